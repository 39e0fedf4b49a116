"""Migration 0017 settles the status of works saved before Work.settle_status."""

import datetime

import pytest

from tests.migrating import migrate_forward, stepped_back

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_works_with_all_their_expected_chapters_become_complete():
    with stepped_back("archive", "0016_bookmark_tags_ignore_case") as old:
        Work = old.get_model("archive", "Work")
        day = datetime.date(2026, 1, 1)
        rows = {  # title: (chapters, expected, complete as typed)
            "Finished but open": (2, 2, False),
            "Open but complete": (1, 3, True),
            "Unknown length": (2, None, False),
            "Done": (3, 3, True),
        }
        for title, (chapters, expected, complete) in rows.items():
            Work.objects.create(
                title=title,
                rating="general",
                published=day,
                updated=day,
                chapter_count=chapters,
                expected_chapters=expected,
                complete=complete,
            )

        Work = migrate_forward().get_model("archive", "Work")

        assert dict(Work.objects.values_list("title", "complete")) == {
            "Finished but open": True,
            "Open but complete": False,
            "Unknown length": False,
            "Done": True,
        }
