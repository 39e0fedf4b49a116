"""The Django admin as staff use it to run the archive: every page answers, searches and
filters find works, actions hide and post them, and what staff save is sanitised."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ConsentChoice
from archive.admin import NEW_CHAPTERS_PER_SAVE
from archive.models import Bookmark, Chapter, Reading, Tag, Work
from archive.reading.bookmarks import save_bookmark
from archive.reading.history import record_visit
from archive.reading.kudos import give_kudos, guest_key
from archive.vocabulary import ArchiveWarning, StandingChoice, TagKind
from archive.writing.words import count_words
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def superuser():
    return make_reader("boss", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client_for, superuser):
    return client_for(superuser)


@pytest.fixture
def archive_rows(creator, reader_ask):
    """A row of every kind the admin shows (works, chapters, tags, readers with consent
    choices, kudos, public bookmarks) and a reading, which it does not show."""
    ConsentChoice.objects.create(
        reader=reader_ask, item="rating:mature", choice=StandingChoice.SHOW
    )
    lantern = make_work(
        title="The Lantern",
        creator=creator,
        rating="mature",
        warnings=[ArchiveWarning.GRAPHIC_VIOLENCE],
        tags=[("Lantern Tales", TagKind.FANDOM), ("Waiting", TagKind.ADDITIONAL)],
        language="fr",
    )
    river = make_work(title="The River")
    Work.objects.filter(pk=lantern.pk).update(summary="<p>Someone waits all night.</p>")
    Work.objects.filter(pk=river.pk).update(creator_name="Ash Imported")
    give_kudos(work=lantern, reader=reader_ask)
    give_kudos(work=lantern, guest_key=guest_key("192.0.2.1"))
    save_bookmark(reader=reader_ask, work=lantern, notes="Lovely.", tags=["cozy"])
    record_visit(reader=reader_ask, work=lantern, chapter=lantern.chapters.first())
    return lantern, river


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_and_change_page_answers(staff_client, archive_rows):
    visited_change_pages = set()
    for model, model_admin in admin.site._registry.items():
        response = staff_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
        obj = model_admin.get_queryset(response.wsgi_request).first()
        if obj is not None:
            response = staff_client.get(admin_url(model, "change", obj.pk))
            assert response.status_code == 200, model
            visited_change_pages.add(model._meta.label)
        if model_admin.has_add_permission(response.wsgi_request):
            assert staff_client.get(admin_url(model, "add")).status_code == 200, model
    assert {
        "archive.Work",
        "archive.Chapter",
        "archive.Tag",
        "archive.Kudos",
        "archive.Bookmark",
        "accounts.Reader",
    } <= visited_change_pages


def test_non_staff_cannot_reach_the_admin(client_for, reader_ask, archive_rows):
    response = client_for(reader_ask).get(admin_url(Work, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# Finding works


def listed_titles(response):
    return sorted(work.title for work in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("lantern", ["The Lantern"]),
        ("creator", ["The Lantern"]),  # the creator's username
        ("ash imported", ["The River"]),  # the name of an imported work's creator
        ("all night", ["The Lantern"]),  # the summary
        ("nothing like it", []),
    ],
)
def test_work_search(staff_client, archive_rows, query, titles):
    response = staff_client.get(admin_url(Work, "changelist"), {"q": query})

    assert listed_titles(response) == titles


@pytest.mark.parametrize(
    ("filters", "titles"),
    [
        ({"rating__exact": "mature"}, ["The Lantern"]),
        ({"warnings__warning": ArchiveWarning.NO_WARNINGS}, ["The River"]),
        ({"language__exact": "fr"}, ["The Lantern"]),
        ({"is_posted__exact": "0"}, []),
    ],
)
def test_work_filters(staff_client, archive_rows, filters, titles):
    response = staff_client.get(admin_url(Work, "changelist"), filters)

    assert listed_titles(response) == titles


@pytest.mark.parametrize(
    ("model_name", "query", "count"),
    [
        ("kudos", "asker", 1),
        ("kudos", "lantern", 2),
        ("bookmark", "asker", 1),
        ("bookmark", "river", 0),
        ("chapter", "river", 2),
        ("tag", "lantern", 1),
        ("reader", "asker", 1),
    ],
)
def test_investigation_searches_by_reader_and_work(
    staff_client, archive_rows, model_name, query, count
):
    app = "accounts" if model_name == "reader" else "archive"
    url = reverse(f"admin:{app}_{model_name}_changelist")

    response = staff_client.get(url, {"q": query})

    assert response.status_code == 200
    assert response.context["cl"].result_count == count


def test_investigation_pages_are_read_only(staff_client, archive_rows):
    lantern, _ = archive_rows
    bookmark = lantern.bookmarks.get()
    url = reverse("admin:archive_bookmark_change", args=[bookmark.pk])

    response = staff_client.post(url, {"notes": "Changed by staff", "private": "on"})

    assert response.status_code == 403
    bookmark.refresh_from_db()
    assert bookmark.notes == "Lovely."


# What only readers themselves see


def test_staff_never_see_private_bookmarks_only_how_many_there_are(staff_client, archive_rows):
    lantern, river = archive_rows
    secret = save_bookmark(
        reader=make_reader("shy"), work=river, notes="My secret note", tags=["secret tag"]
    )
    Bookmark.objects.filter(pk=secret.pk).update(private=True)
    changelist = admin_url(Bookmark, "changelist")

    response = staff_client.get(changelist)
    assert [b.notes for b in response.context["cl"].result_list] == ["Lovely."]
    content = response.content.decode()
    assert "1 private bookmark in the archive is not listed" in content
    assert "shy" not in content and "My secret note" not in content
    assert staff_client.get(changelist, {"q": "shy"}).context["cl"].result_count == 0

    response = staff_client.get(admin_url(Bookmark, "change", secret.pk), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "My secret note" not in response.content.decode()
    assert "secret tag" not in response.content.decode()


def test_reading_history_is_not_in_the_admin(staff_client, archive_rows):
    assert Reading not in admin.site._registry
    assert staff_client.get("/admin/archive/reading/").status_code == 404
    assert "Readings" not in staff_client.get(reverse("admin:index")).content.decode()


def test_bookmark_changelist_has_no_query_per_row(
    staff_client, reader_ask, django_assert_num_queries
):
    for _ in range(3):
        save_bookmark(reader=reader_ask, work=make_work(), notes="Public")
    save_bookmark(reader=reader_ask, work=make_work(), private=True)
    # The session, the staff member, the private bookmarks counted, the public bookmarks
    # matching the filters and all of them counted, and the page of bookmarks with their
    # works and readers (one join).
    with django_assert_num_queries(6):
        response = staff_client.get(admin_url(Bookmark, "changelist"))
    assert response.context["cl"].result_count == 3


# Actions


def run_action(client, action, works, *, extra=None, **filters):
    url = admin_url(Work, "changelist")
    if filters:
        url += "?" + "&".join(f"{key}={value}" for key, value in filters.items())
    data = {"action": action, "_selected_action": [work.pk for work in works], **(extra or {})}
    return client.post(url, data, follow=True)


def hide(client, works, reason="", **filters):
    """The hide action as staff run it: the action, then its page asking why."""
    return run_action(
        client, "hide_works", works, extra={"apply": "Hide", "reason": reason}, **filters
    )


def test_hide_action_asks_why_before_hiding(staff_client, archive_rows):
    lantern, _ = archive_rows

    response = run_action(staff_client, "hide_works", [lantern])

    assert "Hide works" in response.content.decode()
    lantern.refresh_from_db()
    assert lantern.hidden_by_staff is False


def test_hide_action_hides_works_and_records_who_when_and_why(
    staff_client, superuser, archive_rows
):
    lantern, river = archive_rows
    revisions = {work.pk: work.revision for work in archive_rows}

    response = hide(staff_client, [lantern, river], reason="Reported as copied.")

    assert "Hid 2 work(s)" in response.content.decode()
    for work in archive_rows:
        work.refresh_from_db()
        assert (work.hidden_by_staff, work.is_posted) == (True, True)
        assert (work.hidden_by, work.hidden_reason) == (superuser, "Reported as copied.")
        assert work.hidden_at is not None
        assert work.revision == revisions[work.pk] + 1


def test_hide_action_counts_only_works_it_changed(staff_client, archive_rows):
    lantern, river = archive_rows
    hide(staff_client, [river])

    response = hide(staff_client, [lantern, river], warnings__warning="graphic-violence")

    assert "Hid 1 work(s)" in response.content.decode()
    river.refresh_from_db()
    assert river.revision == 2


def test_hidden_work_leaves_the_public_list(staff_client, client_for, archive_rows):
    lantern, _ = archive_rows
    hide(staff_client, [lantern])

    assert client_for(None).get(lantern.get_absolute_url()).status_code == 404


def test_unhide_action_gives_works_back_as_they_were(staff_client, archive_rows):
    lantern, river = archive_rows
    Work.objects.filter(pk=river.pk).update(is_posted=False)
    hide(staff_client, [lantern, river])

    response = run_action(staff_client, "unhide_works", [lantern, river])

    assert "Unhid 2 work(s)." in response.content.decode()
    lantern.refresh_from_db()
    river.refresh_from_db()
    assert (lantern.hidden_by_staff, lantern.is_posted) == (False, True)
    assert (river.hidden_by_staff, river.is_posted) == (False, False)
    assert (lantern.hidden_by, lantern.hidden_at, lantern.hidden_reason) == (None, None, "")


def test_post_action_posts_drafts_with_chapters(staff_client, archive_rows, creator):
    lantern, _ = archive_rows
    Work.objects.filter(pk=lantern.pk).update(is_posted=False)
    empty = make_work(title="Empty draft", creator=creator, chapters=0, is_posted=False)

    response = run_action(staff_client, "post_works", [lantern, empty])

    content = response.content.decode()
    assert "Posted 1 work(s)." in content
    assert "Not posted: Empty draft. Add a chapter first" in content
    lantern.refresh_from_db()
    empty.refresh_from_db()
    assert (lantern.is_posted, lantern.revision) == (True, 2)
    assert (empty.is_posted, empty.revision) == (False, 1)


def test_post_action_dates_works_as_posting_does(staff_client, creator):
    draft = make_work(creator=creator, is_posted=False, published=datetime.date(2020, 5, 1))

    run_action(staff_client, "post_works", [draft])

    draft.refresh_from_db()
    today = timezone.localdate()
    assert (draft.is_posted, draft.published, draft.updated) == (True, today, today)
    assert set(draft.chapters.values_list("published", flat=True)) == {today}


def test_post_action_refuses_works_staff_hid(staff_client, archive_rows):
    lantern, _ = archive_rows
    Work.objects.filter(pk=lantern.pk).update(is_posted=False)
    hide(staff_client, [lantern])

    response = run_action(staff_client, "post_works", [lantern])

    content = response.content.decode()
    assert "Posted 0 work(s)." in content
    assert "Not posted: The Lantern. The archive&#x27;s staff hid this work" in content
    lantern.refresh_from_db()
    assert lantern.is_posted is False


def listed_chapters(response):
    return sorted(str(chapter.work) for chapter in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "works"),
    [
        ({"work__rating__exact": "mature"}, ["The Lantern", "The Lantern"]),
        ({"work__is_posted__exact": "0"}, ["The River", "The River"]),
        ({"q": "lantern"}, ["The Lantern", "The Lantern"]),
        ({"q": "creator"}, ["The Lantern", "The Lantern"]),  # the creator's username
        ({"q": "ash imported"}, ["The River", "The River"]),
    ],
)
def test_chapter_filters_and_search(staff_client, archive_rows, query, works):
    _, river = archive_rows
    Work.objects.filter(pk=river.pk).update(is_posted=False)

    response = staff_client.get(admin_url(Chapter, "changelist"), query)

    assert listed_chapters(response) == works


# Saving through the admin


def change_form_data(response):
    """A change page's form and inline formsets as the browser would post them unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not None and value is not False:
                is_date = isinstance(value, datetime.date)
                data[form.add_prefix(name)] = value.isoformat() if is_date else value
    return data


def test_saving_a_chapter_in_the_work_page_sanitises_it_and_recounts(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["chapters-0-body"] = f'<p onclick="steal()">Four brand new words</p>{SCRIPT}'
    data["summary"] = f"<p>Safe summary</p>{SCRIPT}"

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    chapter = lantern.chapters.get(position=1)
    assert chapter.body == "<p>Four brand new words</p>"
    assert chapter.word_count == 4
    lantern.refresh_from_db()
    assert lantern.summary == "<p>Safe summary</p>"
    assert lantern.word_count == 4 + lantern.chapters.get(position=2).word_count
    assert lantern.revision == 2


def test_deleting_a_chapter_in_the_work_page_recounts(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["chapters-1-DELETE"] = "on"

    assert staff_client.post(url, data).status_code == 302

    lantern.refresh_from_db()
    assert lantern.chapter_count == 1
    assert lantern.word_count == lantern.chapters.get().word_count


def test_saving_a_chapter_page_sanitises_it_and_recounts_the_work(staff_client, archive_rows):
    lantern, _ = archive_rows
    chapter = lantern.chapters.get(position=2)
    url = admin_url(Chapter, "change", chapter.pk)
    data = change_form_data(staff_client.get(url))
    data["body"] = f'<p>Two <a href="javascript:steal()">words</a></p>{SCRIPT}<style>p{{}}</style>'
    data["notes"] = f"<p>Note</p>{SCRIPT}"

    assert staff_client.post(url, data).status_code == 302

    chapter.refresh_from_db()
    assert "<script" not in chapter.body and "javascript" not in chapter.body
    assert chapter.body == '<p>Two <a rel="nofollow noopener noreferrer ugc">words</a></p>'
    assert chapter.notes == "<p>Note</p>"
    assert chapter.word_count == count_words(chapter.body) == 2
    lantern.refresh_from_db()
    assert lantern.word_count == lantern.chapters.get(position=1).word_count + 2
    assert lantern.revision == 2


def test_a_clashing_chapter_position_is_a_form_error_not_a_crash(staff_client, archive_rows):
    lantern, _ = archive_rows
    chapter = lantern.chapters.get(position=2)
    url = admin_url(Chapter, "change", chapter.pk)
    data = {**change_form_data(staff_client.get(url)), "position": "1"}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    chapter.refresh_from_db()
    assert chapter.position == 2


def test_deleting_a_chapter_page_recounts_the_work(staff_client, archive_rows):
    lantern, _ = archive_rows
    chapter = lantern.chapters.get(position=2)

    staff_client.post(admin_url(Chapter, "delete", chapter.pk), {"post": "yes"})

    lantern.refresh_from_db()
    assert lantern.chapter_count == 1
    assert lantern.revision == 2


def test_work_tags_are_chosen_from_existing_tags(staff_client, archive_rows):
    _, river = archive_rows
    fandom = Tag.objects.get(name="Lantern Tales")
    url = admin_url(Work, "change", river.pk)
    data = change_form_data(staff_client.get(url))
    data["tagged-TOTAL_FORMS"] = "1"
    data["tagged-0-tag"] = fandom.pk

    assert staff_client.post(url, data).status_code == 302

    assert list(river.tags.all()) == [fandom]


# Escaping and query counts


def test_user_text_is_escaped_in_the_admin(staff_client, creator):
    work = make_work(title=SCRIPT, tags=[(f"{SCRIPT} tag", TagKind.ADDITIONAL)])
    Work.objects.filter(pk=work.pk).update(creator_name=SCRIPT)
    Chapter.objects.filter(work=work).update(title=SCRIPT)
    pages = [
        admin_url(Work, "changelist"),
        admin_url(Work, "change", work.pk),
        admin_url(Chapter, "changelist"),
        admin_url(Tag, "changelist"),
        admin_url(Tag, "changelist") + "?q=script",
    ]

    for url in pages:
        content = staff_client.get(url).content.decode()
        assert SCRIPT not in content, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content, url


def test_work_changelist_has_no_query_per_row(staff_client, creator, django_assert_num_queries):
    url = admin_url(Work, "changelist")
    for number in range(3):
        make_work(creator=creator if number else None, tags=[("Lantern Tales", TagKind.FANDOM)])
    # The session, the staff member, the number of works matching the filters and of all
    # works, the page of works with their creators (one join), and the languages for the
    # language filter.
    with django_assert_num_queries(6):
        staff_client.get(url)

    for _ in range(7):
        make_work(creator=creator)
    with django_assert_num_queries(6):
        response = staff_client.get(url)
    assert len(response.context["cl"].result_list) == 10


def test_tag_changelist_counts_works_without_a_query_per_row(
    staff_client, django_assert_num_queries
):
    for number in range(3):
        make_work(tags=[(f"Tag {number}", TagKind.ADDITIONAL), ("Shared", TagKind.ADDITIONAL)])
    url = admin_url(Tag, "changelist")
    # The session, the staff member, the number of tags matching the filters and of all
    # tags, and the page of tags with their canonical tags and works counted (one query).
    with django_assert_num_queries(5):
        response = staff_client.get(url)

    counts = {tag.name: tag.work_count for tag in response.context["cl"].result_list}
    assert counts == {"Shared": 3, "Tag 0": 1, "Tag 1": 1, "Tag 2": 1}


# Wrangling tags by hand


def tag_change(client, tag, **changes):
    url = admin_url(Tag, "change", tag.pk)
    return client.post(url, {**change_form_data(client.get(url)), **changes})


def test_a_canonical_tag_of_another_kind_is_a_form_error(staff_client, archive_rows):
    fandom, additional = Tag.objects.get(name="Lantern Tales"), Tag.objects.get(name="Waiting")

    response = tag_change(staff_client, additional, canonical=fandom.pk)

    assert response.status_code == 200
    assert "only tags of one kind can be synonyms" in str(response.context["errors"])
    additional.refresh_from_db()
    assert additional.canonical is None


def test_a_tag_cannot_become_a_synonym_of_its_own_synonym(staff_client):
    canonical = Tag.objects.create(name="Waiting", kind=TagKind.ADDITIONAL)
    synonym = Tag.objects.create(name="Waits", kind=TagKind.ADDITIONAL, canonical=canonical)

    response = tag_change(staff_client, canonical, canonical=synonym.pk)

    assert response.status_code == 200
    assert "cannot be a synonym of itself" in str(response.context["errors"])
    canonical.refresh_from_db()
    assert canonical.canonical is None


def test_a_canonical_of_the_same_kind_is_saved_as_the_action_would(staff_client):
    top = Tag.objects.create(name="Waiting", kind=TagKind.ADDITIONAL)
    middle = Tag.objects.create(name="Waits", kind=TagKind.ADDITIONAL, canonical=top)
    tag = Tag.objects.create(name="Waited", kind=TagKind.ADDITIONAL)

    assert tag_change(staff_client, tag, canonical=middle.pk).status_code == 302

    tag.refresh_from_db()
    assert tag.canonical == top  # a synonym's synonym points at its canonical tag


def search_finds(query):
    """What a guest's search finds (another client: the staff member stays signed in)."""
    response = Client().get(reverse("archive:search"), {"q": query})
    return {work.title for work in response.context["page"].object_list}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search documents: PostgreSQL only")
def test_renaming_a_tag_in_the_admin_rebuilds_the_search_documents(staff_client):
    make_work(title="The Candle", tags=[("Candlelight", TagKind.ADDITIONAL)])
    canonical = Tag.objects.get(name="Candlelight")
    Tag.objects.create(name="Tapers", kind=TagKind.ADDITIONAL, canonical=canonical)
    make_work(title="The Vigil", tags=[("Tapers", TagKind.ADDITIONAL)])

    assert tag_change(staff_client, canonical, name="Nightwatch").status_code == 302

    # Tagged with it, and tagged with its synonym (searched by the canonical name too).
    assert search_finds("nightwatch") == {"The Candle", "The Vigil"}
    assert search_finds("candlelight") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search documents: PostgreSQL only")
def test_setting_or_clearing_a_canonical_in_the_admin_rebuilds_the_search_documents(
    staff_client, archive_rows
):
    canonical = Tag.objects.create(name="Nightwatch", kind=TagKind.ADDITIONAL)
    waiting = Tag.objects.get(name="Waiting")

    assert tag_change(staff_client, waiting, canonical=canonical.pk).status_code == 302
    assert search_finds("nightwatch") == {"The Lantern"}

    assert tag_change(staff_client, waiting, canonical="").status_code == 302
    assert search_finds("nightwatch") == set()


def test_adding_a_tag_the_work_has_is_a_form_error_not_a_crash(staff_client, archive_rows):
    lantern, _ = archive_rows
    fandom = Tag.objects.get(name="Lantern Tales")
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["tagged-TOTAL_FORMS"] = "3"
    data["tagged-2-tag"] = fandom.pk

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for tag" in response.content.decode()
    assert lantern.tags.count() == 2


def chapter_positions(work):
    return list(work.chapters.order_by("position").values_list("title", "position"))


def test_chapters_swap_places_in_the_work_page(staff_client, archive_rows):
    lantern, _ = archive_rows
    before = chapter_positions(lantern)
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["chapters-0-position"], data["chapters-1-position"] = "2", "1"

    assert staff_client.post(url, data).status_code == 302

    assert chapter_positions(lantern) == [(before[1][0], 1), (before[0][0], 2)]


def test_a_chapter_moves_into_the_place_of_one_deleted_in_the_same_save(staff_client, archive_rows):
    lantern, _ = archive_rows
    first_title = lantern.chapters.get(position=1).title
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["chapters-1-DELETE"] = "on"
    data["chapters-0-position"] = "2"

    assert staff_client.post(url, data).status_code == 302

    assert chapter_positions(lantern) == [(first_title, 2)]
    lantern.refresh_from_db()
    assert lantern.chapter_count == 1


@pytest.mark.parametrize(
    "leave_out_second, message",
    [
        (False, "Please correct the duplicate data for position."),  # Django's own check
        (True, "The same position is given twice (2): give each its own."),
    ],
)
def test_two_chapters_in_one_position_are_a_form_error_that_changes_nothing(
    staff_client, archive_rows, leave_out_second, message
):
    lantern, _ = archive_rows
    before = chapter_positions(lantern)
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["chapters-0-position"] = "2"
    if leave_out_second:
        # A post that leaves the second chapter's form out still may not take its place.
        data["chapters-TOTAL_FORMS"] = data["chapters-INITIAL_FORMS"] = "1"
        data = {key: value for key, value in data.items() if not key.startswith("chapters-1-")}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert chapter_positions(lantern) == before


def test_a_new_chapter_takes_a_free_position_beside_a_moved_one(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["chapters-1-position"] = "3"
    data["chapters-TOTAL_FORMS"] = "3"
    new = {"position": "2", "title": "Inserted", "body": "<p>Three more words</p>"}
    data |= {f"chapters-2-{name}": value for name, value in new.items()}
    data["chapters-2-published"] = "2026-01-02"

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert [position for _, position in chapter_positions(lantern)] == [1, 2, 3]
    assert lantern.chapters.get(position=2).title == "Inserted"
    lantern.refresh_from_db()
    assert lantern.chapter_count == 3


def tag_names(work):
    return sorted(work.tags.values_list("name", flat=True))


def test_a_tag_moves_into_the_row_of_a_tag_deleted_in_the_same_save(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    # Django saves form by form: the first row changes before the second is deleted.
    data["tagged-0-tag"] = data["tagged-1-tag"]
    data["tagged-1-DELETE"] = "on"

    assert staff_client.post(url, data).status_code == 302

    assert tag_names(lantern) == ["Waiting"]


def test_two_tag_rows_swap_their_tags(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["tagged-0-tag"], data["tagged-1-tag"] = data["tagged-1-tag"], data["tagged-0-tag"]

    assert staff_client.post(url, data).status_code == 302

    assert tag_names(lantern) == ["Lantern Tales", "Waiting"]


def test_a_tag_the_post_left_out_cannot_be_given_again(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["tagged-0-tag"] = data["tagged-1-tag"]
    data["tagged-TOTAL_FORMS"] = data["tagged-INITIAL_FORMS"] = "1"
    data = {key: value for key, value in data.items() if not key.startswith("tagged-1-")}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "The same tag is given twice: each may be given once." in response.content.decode()
    assert tag_names(lantern) == ["Lantern Tales", "Waiting"]


def test_a_warning_takes_the_place_of_one_deleted_in_the_same_save(staff_client, archive_rows):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data["warnings-TOTAL_FORMS"] = "2"
    data |= {"warnings-1-warning": ArchiveWarning.GRAPHIC_VIOLENCE, "warnings-0-DELETE": "on"}
    data["warnings-0-warning"] = ArchiveWarning.MAJOR_CHARACTER_DEATH

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    warnings = lantern.warnings.values_list("warning", flat=True)
    assert list(warnings) == [ArchiveWarning.GRAPHIC_VIOLENCE]


@pytest.mark.parametrize(
    "prefix, limit",
    [("tagged", 75), ("warnings", len(ArchiveWarning)), ("chapters", 2 + NEW_CHAPTERS_PER_SAVE)],
)
def test_a_hostile_form_count_is_refused_before_forms_are_built(
    staff_client, archive_rows, prefix, limit
):
    lantern, _ = archive_rows
    url = admin_url(Work, "change", lantern.pk)
    data = change_form_data(staff_client.get(url))
    data[f"{prefix}-TOTAL_FORMS"] = "100000"

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert f"Please submit at most {limit} forms" in response.content.decode()
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    assert len(formset.forms) <= limit
