"""Migration 0027 builds every creator's days from their works' days."""

import datetime

import pytest

from tests.migrating import migrate_forward, stepped_back

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MONDAY, TUESDAY = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)


def test_a_creators_days_are_their_works_days_summed():
    with stepped_back("archive", "0026_creator_days") as old:
        Reader = old.get_model("accounts", "Reader")
        Work = old.get_model("archive", "Work")
        WorkDay = old.get_model("archive", "WorkDay")
        creator = Reader.objects.create(username="creator")

        def work(**fields):
            return Work.objects.create(
                title="A work", rating="general", published=MONDAY, updated=TUESDAY, **fields
            )

        first, second = work(creator=creator), work(creator=creator)
        draft, nobodys = work(creator=creator, is_posted=False), work(creator_name="Someone")
        WorkDay.objects.bulk_create(
            [
                WorkDay(work=first, day=MONDAY, hits=3, kudos=1, words=100),
                WorkDay(work=first, day=TUESDAY, hits=2, public_bookmarks=-1, words=150),
                WorkDay(work=second, day=TUESDAY, hits=4, subscriptions=1, words=40),
                WorkDay(work=draft, day=TUESDAY, hits=1, words=500),  # words not counted
                WorkDay(work=nobodys, day=TUESDAY, hits=9, words=70),  # nobody's at all
            ]
        )

        CreatorDay = migrate_forward().get_model("archive", "CreatorDay")

        rows = CreatorDay.objects.order_by("day").values(
            "creator", "day", "hits", "kudos", "public_bookmarks", "subscriptions", "words"
        )
        assert list(rows) == [
            {
                "creator": creator.pk,
                "day": MONDAY,
                "hits": 3,
                "kudos": 1,
                "public_bookmarks": 0,
                "subscriptions": 0,
                "words": 100,
            },
            {
                "creator": creator.pk,
                "day": TUESDAY,
                "hits": 7,
                "kudos": 0,
                "public_bookmarks": -1,
                "subscriptions": 1,
                "words": 90,  # 50 more in the first, 40 in the second
            },
        ]
