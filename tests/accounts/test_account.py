"""My account: the account page, exporting my data and deleting my account."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import account, relations
from accounts.account import delete_account, export_account
from accounts.models import Block, ConsentChoice, ExcludedTag, Mute, Reader, SavedFilter
from archive.account import ORPHAN_NAME
from archive.models import (
    Bookmark,
    BookmarkTag,
    Chapter,
    Kudos,
    MarkedForLater,
    Reading,
    Series,
    SeriesPart,
    Tag,
    TaggedBookmark,
    Work,
)
from archive.vocabulary import TagKind
from archive.writing import drafts
from conversation import inbox
from conversation.models import Comment, CommentReport, InboxItem, InboxKind
from following.models import Alert, Subscription, Target, Update, UpdateKind
from tests.factories import PASSWORD, make_reader, make_work
from tests.test_site import count_h1

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
EXPORT = reverse("accounts:account_export")
DELETE = reverse("accounts:account_delete")


def recount(*works):
    """Set the denormalised counters from the rows, as the kudos and bookmark code keeps them."""
    for work in works:
        Work.objects.filter(pk=work.pk).update(
            kudos_count=Kudos.objects.filter(work=work).count(),
            public_bookmark_count=Bookmark.objects.filter(work=work, private=False).count(),
        )


def leave_traces(reader, work, *, private=False, tags=("favourites",)):
    """A bookmark, kudos, reading and mark for later by `reader` on `work`."""
    bookmark = Bookmark.objects.create(
        reader=reader, work=work, notes=f"{reader} notes", private=private, recommend=True
    )
    bookmark.tags.add(*tags)
    Kudos.objects.create(reader=reader, work=work)
    Reading.objects.create(
        reader=reader,
        work=work,
        chapter=work.chapters.get(position=2),
        paragraph=7,
        visits=3,
        chapters_seen=2,
        last_read_at=timezone.now(),
    )
    MarkedForLater.objects.create(reader=reader, work=work)
    recount(work)


def follow_and_talk(reader, work, *, about):
    """A series, a block and a mute, a comment with a report and an inbox notice, and a
    subscription with an alert, by `reader`; `about` is another reader to block and mute."""
    series = Series.objects.create(creator=reader, title=f"Series of {reader}")
    SeriesPart.objects.create(series=series, work=work, position=1)
    relations.block(blocker=reader, blocked=about)
    relations.mute(reader=reader, muted=about)
    chapter = work.chapters.get(position=1)
    comment = Comment.objects.create(
        work=work, chapter=chapter, author=reader, body=f"<p>{reader} comments.</p>"
    )
    CommentReport.objects.create(
        comment=comment, reporter=reader, reason="spam", details=f"{reader} reports"
    )
    inbox.notify(reader=reader, kind=InboxKind.UPDATE, work=work, chapter=chapter)
    # As a subscription made before creators were refused their own works would be.
    subscription = Subscription.objects.create(reader=reader, kind=Target.WORK, work=work)
    update, _ = Update.objects.get_or_create(kind=UpdateKind.CHAPTER, work=work, chapter=chapter)
    Alert.objects.create(update=update, reader=reader, subscription=subscription, email="none")


@pytest.fixture
def other(db):
    """A second reader whose data must never leak into or be touched by the first's."""
    return make_reader("other", choice="show")


# The account page


def test_guests_are_sent_to_log_in(client):
    for url in [ACCOUNT, EXPORT, DELETE]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_account_page_links_to_everything_the_reader_can_do(
    client_for, reader_ask, django_assert_num_queries
):
    client = client_for(reader_ask)
    # session, reader
    with django_assert_num_queries(2):
        response = client.get(ACCOUNT)
    content = response.content.decode()
    assert "asker@example.com" in content
    for name in ["password_change", "account_export", "account_delete"]:
        assert reverse(f"accounts:{name}") in content


# Export


def test_export_holds_everything_the_reader_keeps(reader_ask, creator):
    work = make_work(creator=creator, title="Stars")
    own = make_work(creator=reader_ask, title="Mine")
    leave_traces(reader_ask, work, private=True, tags=("rare", "favourites"))
    ConsentChoice.objects.create(reader=reader_ask, item="rating:mature", choice="show")
    ExcludedTag.objects.create(
        reader=reader_ask, tag=Tag.objects.create(name="Spiders", kind=TagKind.ADDITIONAL)
    )
    SavedFilter.objects.create(
        reader=reader_ask, name="Short and sweet", query="words_to=1000&rating=general"
    )
    Reader.objects.filter(pk=reader_ask.pk).update(font_size=130, theme="sepia")
    drafts.save_draft(
        creator=reader_ask, work=own, chapter=own.chapters.first(), body="<p>Autosaved.</p>"
    )
    reader_ask.refresh_from_db()

    data = export_account(reader=reader_ask)

    assert data["profile"] == {
        "username": "asker",
        "email": "asker@example.com",
        "date_joined": reader_ask.date_joined.isoformat(),
    }
    assert data["consent_choices"] == {"rating:mature": "show"}
    [excluded] = data["excluded_tags"]
    assert (excluded["tag"], excluded["kind"]) == ("Spiders", "additional")
    assert excluded["created_at"]
    [saved] = data["saved_filters"]
    assert (saved["name"], saved["query"]) == ("Short and sweet", "words_to=1000&rating=general")
    assert saved["created_at"]
    assert data["display_settings"] == {
        "font_size": 130,
        "font": "serif",
        "line_spacing": 1.6,
        "text_width": 38,
        "theme": "sepia",
        "history_enabled": True,
    }
    [bookmark] = data["bookmarks"]
    assert bookmark["work"] == {"id": work.pk, "title": "Stars"}
    assert bookmark["notes"] == "asker notes"
    assert bookmark["tags"] == ["favourites", "rare"]
    assert (bookmark["private"], bookmark["recommend"]) == (True, True)
    assert bookmark["created_at"] and bookmark["updated_at"]
    [kudos] = data["kudos"]
    assert kudos["work"] == {"id": work.pk, "title": "Stars"}
    [reading] = data["history"]
    assert reading["work"]["id"] == work.pk
    assert (reading["chapter"], reading["paragraph"], reading["visits"]) == (2, 7, 3)
    assert reading["last_read_at"]
    assert [mark["work"]["id"] for mark in data["marked_for_later"]] == [work.pk]
    assert data["works"] == [{"id": own.pk, "title": "Mine"}]
    [draft] = data["chapter_drafts"]
    assert (draft["work"], draft["chapter"], draft["body"]) == (
        {"id": own.pk, "title": "Mine"},
        1,
        "<p>Autosaved.</p>",
    )
    assert draft["saved_at"]
    json.dumps(data)  # plain JSON values only


def test_export_holds_what_the_reader_follows_and_said(reader_ask, other, creator):
    work = make_work(creator=reader_ask, title="Mine")
    follow_and_talk(reader_ask, work, about=other)

    data = export_account(reader=reader_ask)

    mine = {"id": work.pk, "title": "Mine"}
    [series] = data["series"]
    assert (series["title"], series["works"]) == ("Series of asker", [mine])
    assert series["created_at"] and series["updated_at"]
    assert [block["reader"] for block in data["blocks"]] == ["other"]
    assert [mute["reader"] for mute in data["mutes"]] == ["other"]
    [comment] = data["comments"]
    assert (comment["work"], comment["chapter"]) == (mine, 1)
    assert (comment["body"], comment["status"]) == ("<p>asker comments.</p>", "shown")
    [report] = data["comment_reports"]
    assert report == {
        "comment": comment["id"],
        "reason": "spam",
        "details": "asker reports",
        "created_at": report["created_at"],
    }
    [notice] = data["inbox"]
    assert (notice["kind"], notice["work"], notice["chapter"]) == ("update", mine, 1)
    assert notice["read_at"] is None
    [subscription] = data["subscriptions"]
    assert (subscription["kind"], subscription["work"]) == ("work", mine)
    [alert] = data["alerts"]
    assert (alert["kind"], alert["work"], alert["chapter"]) == ("chapter", mine, 1)
    json.dumps(data)


def test_export_never_holds_the_password_or_other_readers_data(reader_ask, other, creator):
    work = make_work(creator=creator)
    leave_traces(reader_ask, work)
    leave_traces(other, work, tags=("others-secret-tag",))
    follow_and_talk(other, make_work(creator=other, title="Not mine"), about=reader_ask)
    tag = Tag.objects.create(name="Others-excluded", kind=TagKind.ADDITIONAL)
    ExcludedTag.objects.create(reader=other, tag=tag)
    SavedFilter.objects.create(reader=other, name="Others-filter", query="rating=teen")

    text = json.dumps(export_account(reader=reader_ask))

    assert reader_ask.password not in text
    assert "password" not in text
    traces = ["other notes", "others-secret-tag", "Not mine", "other@example.com", "Others-"]
    traces += ["other comments", "other reports", "Series of other", '"other"']
    for trace in traces:
        assert trace not in text


def test_export_of_a_new_reader_is_empty_but_complete(reader_ask):
    data = export_account(reader=reader_ask)
    sections = {section for part in account._parts for section, _ in part.sections.values()}
    assert set(data) == {"exported_at", "profile", "display_settings"} | sections
    assert data.pop("consent_choices") == {}
    assert all(data[section] == [] for section in sections - {"consent_choices"})


def test_every_foreign_key_to_a_reader_is_exported_or_named_as_left_out():
    """A model holding a reader's rows is placed: a part of the account exports them, or
    NOT_EXPORTED says why they stay out."""
    assert account.unplaced() == set()
    placed = account.exported_relations() | account.NOT_EXPORTED.keys()
    assert placed - account.reader_relations() == set(), "placed, but no such foreign key"
    assert not account.exported_relations() & account.NOT_EXPORTED.keys()


def test_a_foreign_key_nobody_placed_is_found(monkeypatch):
    monkeypatch.delitem(account.NOT_EXPORTED, "accounts.FeedToken.reader")
    assert account.unplaced() == {"accounts.FeedToken.reader"}


def test_history_of_a_deleted_chapter_exports_without_a_chapter(reader_ask, creator):
    work = make_work(creator=creator)
    leave_traces(reader_ask, work)
    Chapter.objects.filter(work=work, position=2).delete()
    assert export_account(reader=reader_ask)["history"][0]["chapter"] is None


def test_export_download_is_an_attachment_named_for_the_reader(client_for, reader_ask, creator):
    leave_traces(reader_ask, make_work(creator=creator))

    response = client_for(reader_ask).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="archive-export-asker.json"'
    data = json.loads(response.content)
    assert data["profile"]["username"] == "asker"
    assert len(data["bookmarks"]) == 1


def test_export_filename_survives_a_non_ascii_username(client_for):
    reader = make_reader("léa")
    response = client_for(reader).get(EXPORT)
    assert response.status_code == 200
    assert "archive-export-l%C3%A9a.json" in response["Content-Disposition"]
    assert json.loads(response.content)["profile"]["username"] == "léa"


def test_export_ignores_any_reader_named_in_the_request(client_for, reader_ask, other, creator):
    leave_traces(other, make_work(creator=creator))
    client = client_for(reader_ask)
    for query in [f"?reader={other.pk}", f"?id={other.pk}", "?username=other"]:
        data = json.loads(client.get(EXPORT + query).content)
        assert data["profile"]["username"] == "asker"
        assert data["bookmarks"] == []


def test_export_answers_get_only(client_for, reader_ask):
    assert client_for(reader_ask).post(EXPORT).status_code == 405


def test_export_query_count_does_not_grow_with_the_data(
    client_for, reader_ask, creator, django_assert_num_queries
):
    client = client_for(reader_ask)
    works = [make_work(creator=creator) for _ in range(4)]
    leave_traces(reader_ask, works[0])
    follow_and_talk(reader_ask, make_work(creator=reader_ask), about=creator)
    # session, reader, savepoint, consent choices, excluded tags with their tags, saved
    # filters, blocks and mutes with the people, bookmarks with works, their tags, kudos
    # with works, readings with works and chapters, marked for later with works, own works,
    # series, their parts with works, comments with works and chapters, reports, inbox
    # items with works, chapters and series, subscriptions with what they follow, alerts
    # with their updates' works, chapters and series, autosaved chapter text with works
    # and chapters, release savepoint
    with django_assert_num_queries(23):
        client.get(EXPORT)
    for number, work in enumerate(works[1:]):
        leave_traces(reader_ask, work, tags=("one", "two", "three"))
        follow_and_talk(reader_ask, make_work(creator=reader_ask), about=make_reader(f"r{number}"))
        tag = Tag.objects.create(name=f"Excluded {number}", kind=TagKind.ADDITIONAL)
        ExcludedTag.objects.create(reader=reader_ask, tag=tag)
        SavedFilter.objects.create(reader=reader_ask, name=f"Filter {number}", query="q=x")
        drafts.save_draft(creator=reader_ask, work=work, chapter=None, body="<p>Draft.</p>")
    with django_assert_num_queries(23):
        data = json.loads(client.get(EXPORT).content)
    assert len(data["bookmarks"]) == len(data["history"]) == 4
    assert len(data["excluded_tags"]) == len(data["saved_filters"]) == 3
    assert len(data["series"]) == len(data["comments"]) == len(data["alerts"]) == 4


# delete_account


def test_deleting_removes_the_reader_and_everything_they_kept(reader_ask, other, creator):
    work = make_work(creator=creator)
    leave_traces(reader_ask, work)
    leave_traces(other, work)
    ConsentChoice.objects.create(reader=reader_ask, item="rating:mature", choice="hide")

    delete_account(reader=reader_ask)

    assert not Reader.objects.filter(username="asker").exists()
    for model in [Bookmark, Kudos, Reading, MarkedForLater]:
        assert list(model.objects.values_list("reader__username", flat=True)) == ["other"]
    assert not ConsentChoice.objects.exclude(reader=other).exists()
    assert TaggedBookmark.objects.count() == 1


def test_deleting_leaves_their_comments_without_their_name(reader_ask, other, creator):
    work = make_work(creator=creator)
    follow_and_talk(reader_ask, work, about=other)

    delete_account(reader=reader_ask)

    [comment] = Comment.objects.all()
    assert (comment.author, comment.body) == (None, "<p>asker comments.</p>")
    assert CommentReport.objects.get().reporter is None
    for model in [Series, Block, Mute, InboxItem, Subscription, Alert]:
        assert not model.objects.exists(), model


def test_deleting_drops_the_counters_of_the_works_the_reader_touched(reader_ask, other, creator):
    shared = make_work(creator=creator)
    privately_kept = make_work(creator=creator)
    leave_traces(reader_ask, shared)
    leave_traces(other, shared)
    Kudos.objects.create(work=shared, guest_key="a" * 64)
    leave_traces(reader_ask, privately_kept, private=True)
    leave_traces(other, privately_kept)
    recount(shared)

    delete_account(reader=reader_ask)

    shared.refresh_from_db()
    privately_kept.refresh_from_db()
    assert (shared.kudos_count, shared.public_bookmark_count) == (2, 1)
    assert (privately_kept.kudos_count, privately_kept.public_bookmark_count) == (1, 1)


def test_deleting_the_last_traces_brings_the_counters_to_zero(reader_ask, creator):
    work = make_work(creator=creator)
    leave_traces(reader_ask, work)

    delete_account(reader=reader_ask)

    work.refresh_from_db()
    assert (work.kudos_count, work.public_bookmark_count) == (0, 0)


def test_the_readers_works_stay_orphaned(creator, other):
    posted = make_work(creator=creator, title="Posted")
    draft = make_work(creator=creator, title="Draft", is_posted=False)
    leave_traces(other, posted)

    delete_account(reader=creator)

    for work in [posted, draft]:
        work.refresh_from_db()
        assert work.creator is None
        assert work.creator_name == ORPHAN_NAME
        assert work.creator_display == "orphan_account"
        assert work.chapters.count() == 2
    assert (posted.kudos_count, posted.public_bookmark_count) == (1, 1)
    assert Kudos.objects.filter(work=posted, reader=other).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search documents: PostgreSQL only")
def test_search_forgets_the_username_of_a_deleted_creator(client, other):
    creator = make_reader("quillmaster")
    make_work(creator=creator, title="Orphaned Lanterns")
    assert search_finds(client, "quillmaster") == ["Orphaned Lanterns"]

    delete_account(reader=creator)

    assert search_finds(client, "quillmaster") == []
    assert search_finds(client, "lanterns") == ["Orphaned Lanterns"]


def search_finds(client, query):
    response = client.get(reverse("archive:search"), {"q": query})
    return [work.title for work in response.context["page"].object_list]


def test_bookmark_tags_only_the_reader_used_go_with_them(reader_ask, other, creator):
    work = make_work(creator=creator)
    leave_traces(reader_ask, work, tags=("shared", "mine-alone"))
    leave_traces(other, work, tags=("shared",))

    delete_account(reader=reader_ask)

    assert list(BookmarkTag.objects.values_list("name", flat=True)) == ["shared"]


# The delete view


def test_delete_page_asks_for_the_password(client_for, reader_ask):
    response = client_for(reader_ask).get(DELETE)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'type="password"' in content
    assert "orphan_account" in content


def test_delete_page_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    # session, reader: the page only asks for the password
    with django_assert_num_queries(2):
        assert client.get(DELETE).status_code == 200


def test_deleting_with_the_password_logs_out_and_says_so(client_for, reader_ask, creator):
    work = make_work(creator=creator)
    leave_traces(reader_ask, work)
    client = client_for(reader_ask)

    response = client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("archive:work_list"), 302)]
    assert "The account asker and everything it kept are deleted." in response.content.decode()
    assert not Reader.objects.filter(username="asker").exists()
    assert "_auth_user_id" not in client.session
    work.refresh_from_db()
    assert (work.kudos_count, work.public_bookmark_count) == (0, 0)


@pytest.mark.parametrize("password", ["", "wrong password", PASSWORD.upper(), "x" * 10_000])
def test_a_wrong_password_deletes_nothing(client_for, reader_ask, creator, password):
    leave_traces(reader_ask, make_work(creator=creator))

    response = client_for(reader_ask).post(DELETE, {"password": password})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert Reader.objects.filter(username="asker").exists()
    assert Bookmark.objects.filter(reader=reader_ask).exists()


def test_the_delete_form_with_an_error_is_a_valid_page(client_for, reader_ask):
    response = client_for(reader_ask).post(DELETE, {"password": "wrong"})
    assert "That is not your current password." in response.content.decode()
    assert count_h1(response) == 1
    assert '<label for="id_password">' in response.content.decode()


def test_delete_ignores_any_reader_named_in_the_form(client_for, reader_ask, other):
    fields = {"reader": other.pk, "id": other.pk, "pk": other.pk, "username": "other"}

    client_for(reader_ask).post(DELETE, {"password": PASSWORD, **fields})

    assert list(Reader.objects.values_list("username", flat=True)) == ["other"]


def test_another_readers_password_deletes_nothing(client_for, reader_ask):
    stranger = make_reader("stranger")
    stranger.set_password("another password entirely")
    stranger.save()
    response = client_for(reader_ask).post(DELETE, {"password": "another password entirely"})
    assert response.status_code == 200
    assert Reader.objects.count() == 2


def test_delete_needs_the_csrf_token(reader_ask):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader_ask)
    assert client.post(DELETE, {"password": PASSWORD}).status_code == 403
    assert Reader.objects.filter(username="asker").exists()


def test_guests_cannot_delete_anything(client, reader_ask):
    response = client.post(DELETE, {"password": PASSWORD, "reader": reader_ask.pk})
    assert response.status_code == 302
    assert Reader.objects.filter(username="asker").exists()
