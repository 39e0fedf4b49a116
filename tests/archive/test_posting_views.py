"""Posting and editing through the pages: who may, what the forms refuse, what reaches a page."""

import pytest
from django.urls import reverse

from archive.models import Chapter, Tag, Work
from archive.vocabulary import TagKind
from tests.archive.test_posting import PAYLOADS
from tests.factories import make_work
from tests.test_site import assert_valid_html, count_h1

pytestmark = pytest.mark.django_db

NEW_WORK = reverse("archive:new_work")
MY_WORKS = reverse("archive:my_works")
# What an attack may leave on a page that must never be there.
NEVER_ON_A_PAGE = [
    "alert(",
    "onerror",
    "onclick",
    "onload",
    "javascript:",
    "data:text",
    "<svg",
    "<math",
    "<iframe",
    "evil.example",
]


def url(name, work, *args):
    return reverse(f"archive:{name}", args=[work.pk, *args])


def work_data(**fields):
    data = {
        "title": "Salt and Lanterns",
        "summary": "Two keepers, one lighthouse.",
        "rating": "teen",
        "warnings": ["no-warnings"],
        "categories": ["gen"],
        "fandoms": "Original Work",
        "relationships": "",
        "characters": "Mira, Tobias",
        "additional_tags": "Slow Burn",
        "language": "en",
        "notes": "",
        "end_notes": "",
        "expected_chapters": "",
    }
    return {key: value for key, value in {**data, **fields}.items() if value is not None}


def chapter_data(**fields):
    return {"title": "", "summary": "", "notes": "", "end_notes": "", "body": "Hello.", **fields}


def fresh(work):
    return Work.objects.get(pk=work.pk)


@pytest.fixture
def posted(creator):
    """A posted work that needs consent, so a gate that came first would show itself."""
    return make_work(creator=creator, rating="explicit", warnings=["non-con"], chapters=2)


@pytest.fixture
def draft(creator):
    return make_work(creator=creator, chapters=2, is_posted=False)


# Who may: the creator and staff; to everyone else every route is a 404, whatever the id.

# (route, method, extra url args, form data)
ROUTES = [
    ("edit_work", "get", [], None),
    ("edit_work", "post", [], work_data()),
    ("post_work", "post", [], {}),
    ("delete_work", "get", [], None),
    ("delete_work", "post", [], {}),
    ("new_chapter", "get", [], None),
    ("new_chapter", "post", [], chapter_data()),
    ("new_chapter", "post", [], chapter_data(preview="1")),
    ("edit_chapter", "get", [2], None),
    ("edit_chapter", "post", [2], chapter_data()),
    ("edit_chapter", "post", [2], chapter_data(preview="1")),
    ("move_chapter", "post", [2], {"direction": "up"}),
    ("delete_chapter", "get", [2], None),
    ("delete_chapter", "post", [2], {}),
]
ROUTE_IDS = [f"{name}-{method}-{i}" for i, (name, method, _, _) in enumerate(ROUTES)]


def call(client, route, work):
    name, method, args, data = route
    target = url(name, work, *args)
    return client.post(target, data) if method == "post" else client.get(target)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("which", ["posted", "draft"])
@pytest.mark.parametrize("persona", ["guest", "reader_ask", "reader_show"])
def test_nobody_but_the_creator_and_staff_reaches_a_posting_route(
    request, client_for, route, which, persona
):
    work = request.getfixturevalue(which)
    reader = None if persona == "guest" else request.getfixturevalue(persona)
    response = call(client_for(reader), route, work)
    assert response.status_code == 404
    after = fresh(work)
    assert after.revision == 1 and after.chapter_count == 2 and after.is_posted == work.is_posted
    assert list(after.chapters.values_list("title", flat=True)) == ["Part 1", "Part 2"]


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("persona", ["creator", "staff"])
def test_the_creator_and_staff_reach_every_posting_route(request, client_for, route, persona):
    work = request.getfixturevalue("draft")
    response = call(client_for(request.getfixturevalue(persona)), route, work)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert count_h1(response) == 1
        assert_valid_html(response, route)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("persona", ["creator", "staff", "reader_ask"])
def test_a_work_that_does_not_exist_is_a_404_for_everyone(request, client_for, route, persona):
    work = Work(pk=987654)
    assert call(client_for(request.getfixturevalue(persona)), route, work).status_code == 404


def test_a_chapter_that_does_not_exist_is_a_404(client_for, creator, draft):
    client = client_for(creator)
    for name in ["edit_chapter", "delete_chapter"]:
        assert client.get(url(name, draft, 9)).status_code == 404
    assert client.post(url("move_chapter", draft, 9), {"direction": "up"}).status_code == 404


@pytest.mark.parametrize("name", ["post_work", "move_chapter"])
def test_posting_and_moving_take_only_a_post(client_for, creator, draft, name):
    args = [1] if name == "move_chapter" else []
    assert client_for(creator).get(url(name, draft, *args)).status_code == 405


def test_guests_are_asked_to_log_in_to_post_or_see_their_works(client):
    for target in [NEW_WORK, MY_WORKS]:
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_edit_a_readers_work_and_it_stays_theirs(client_for, staff, creator, posted):
    response = client_for(staff).post(
        url("edit_work", posted), work_data(title="Retitled", rating="explicit")
    )
    assert response.status_code == 302
    assert fresh(posted).title == "Retitled"
    assert fresh(posted).creator == creator


# Posting a work from start to end


def test_a_reader_posts_a_work_with_two_chapters(client_for, creator, reader_ask):
    client = client_for(creator)
    response = client.post(NEW_WORK, work_data())
    work = Work.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("new_chapter", work)
    assert not work.is_posted and work.creator == creator
    assert sorted(work.tags.names()) == ["Mira", "Original Work", "Slow Burn", "Tobias"]
    assert work.tags.get(name="Mira").kind == TagKind.CHARACTER

    client.post(url("new_chapter", work), chapter_data(title="Arrival", body="One.\n\nTwo three."))
    response = client.post(url("new_chapter", work), chapter_data(body="Four five six."))
    assert response["Location"] == reverse("archive:chapter_detail", args=[work.pk, 2])
    assert client_for(reader_ask).get(work.get_absolute_url()).status_code == 404

    page = client_for(creator).get(work.get_absolute_url()).content.decode()
    assert "This work is a draft" in page and "Post this work" in page
    response = client.post(url("post_work", work))
    assert response["Location"] == work.get_absolute_url()
    work = fresh(work)
    assert work.is_posted and (work.chapter_count, work.word_count) == (2, 6)
    page = client_for(reader_ask).get(work.get_absolute_url()).content.decode()
    assert '<p id="c1-p1">One.</p>' in page and "Arrival" in page
    assert "Edit work" not in page


def test_a_draft_without_chapters_cannot_be_posted(client_for, creator):
    client = client_for(creator)
    client.post(NEW_WORK, work_data())
    work = Work.objects.get()
    response = client.post(url("post_work", work), follow=True)
    assert "needs at least one chapter" in response.content.decode()
    assert not fresh(work).is_posted


def test_a_chapter_added_to_a_posted_work_is_posted_at_once(client_for, creator, posted):
    response = client_for(creator).post(url("new_chapter", posted), chapter_data(), follow=True)
    assert "Chapter 3 is posted." in response.content.decode()
    assert fresh(posted).chapter_count == 3


def test_editing_a_work_shows_what_it_has_and_saves_changes(client_for, creator):
    Tag.objects.create(name="Naruto", kind=TagKind.FANDOM)
    work = make_work(creator=creator, tags=[("Naruto", TagKind.FANDOM)], warnings=["non-con"])
    client = client_for(creator)
    form = client.get(url("edit_work", work)).context["form"]
    assert form["fandoms"].value() == "Naruto"
    assert form["warnings"].value() == ["non-con"]
    data = work_data(title="New title", fandoms="Naruto, Boruto", warnings=["non-con", "underage"])
    response = client.post(url("edit_work", work), data)
    assert response["Location"] == work.get_absolute_url()
    work = fresh(work)
    assert work.title == "New title" and work.warning_values == ["non-con", "underage"]
    assert sorted(work.tags.names()) == ["Boruto", "Mira", "Naruto", "Slow Burn", "Tobias"]
    assert work.revision == 2


def test_editing_a_chapter(client_for, creator, posted):
    client = client_for(creator)
    assert client.get(url("edit_chapter", posted, 1)).context["form"]["title"].value() == "Part 1"
    data = chapter_data(title="Dawn", body="<p>Three <em>new</em> words.</p>", notes="Thanks!")
    response = client.post(url("edit_chapter", posted, 1), data)
    assert response["Location"] == reverse("archive:chapter_detail", args=[posted.pk, 1])
    chapter = posted.chapters.get(position=1)
    assert (chapter.title, chapter.notes, chapter.word_count) == ("Dawn", "<p>Thanks!</p>", 3)
    assert fresh(posted).word_count == 3 + 4


# Previews


def test_a_preview_shows_the_sanitised_chapter_and_saves_nothing(client_for, creator, posted):
    body = "A first paragraph.\n\nA second one." + PAYLOADS[0] + PAYLOADS[1]
    response = client_for(creator).post(
        url("new_chapter", posted), chapter_data(title="Soon", body=body, preview="1")
    )
    assert response.status_code == 200
    page = response.content.decode()
    preview = page.split('class="chapter-preview"')[1].split("</section>")[0]
    assert "Chapter 3: Soon" in preview
    assert '<p id="c3-p1">A first paragraph.</p>' in preview
    assert "alert(" not in preview and "onerror" not in preview
    assert fresh(posted).chapter_count == 2
    # The form keeps everything typed, ready to save.
    assert response.context["form"]["body"].value() == body


def test_previewing_an_edit_leaves_the_chapter_as_it_was(client_for, creator, posted):
    before = posted.chapters.get(position=2).body
    response = client_for(creator).post(
        url("edit_chapter", posted, 2), chapter_data(body="Changed.", preview="1")
    )
    assert "<p" in response.content.decode().split("chapter-preview")[1]
    assert posted.chapters.get(position=2).body == before
    assert fresh(posted).revision == 1


def test_a_preview_of_an_invalid_chapter_shows_the_errors(client_for, creator, posted):
    response = client_for(creator).post(
        url("new_chapter", posted), chapter_data(body="<script>x</script>", preview="1")
    )
    page = response.content.decode()
    assert "chapter-preview" not in page
    assert "no text left" in page


# Bad input: a clear form error, and nothing saved is lost


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"rating": None}, "This field is required."),
        ({"rating": "spicy"}, "Select a valid choice."),
        ({"warnings": None}, "This field is required."),
        ({"warnings": ["no-warnings", "non-con"]}, "cannot be chosen together"),
        ({"title": "x" * 256}, "at most 255 characters"),
        ({"title": "   "}, "This field is required."),
        ({"expected_chapters": "-1"}, "greater than or equal to 1"),
        ({"expected_chapters": "many"}, "Enter a whole number."),
        ({"characters": "Naruto"}, "already a fandom tag"),
        ({"fandoms": "Konoha", "additional_tags": "konoha"}, "also listed under Fandoms"),
        ({"fandoms": "???"}, "needs at least one letter or digit"),
        ({"language": "English!"}, "Use a language code"),
        ({"summary": "x" * 1251}, "at most 1250 characters"),
    ],
)
def test_bad_work_input_is_a_form_error_and_saves_nothing(client_for, creator, fields, error):
    Tag.objects.create(name="Naruto", kind=TagKind.FANDOM)
    work = make_work(creator=creator, title="Kept", chapters=2)
    client = client_for(creator)
    typed = work_data(notes="My careful notes.", **fields)
    for target in [NEW_WORK, url("edit_work", work)]:
        response = client.post(target, typed)
        assert response.status_code == 200, target
        page = response.content.decode()
        assert error in page.replace("&#x27;", "'"), target
        assert "My careful notes." in page  # what was typed is still in the form
        assert count_h1(response) == 1
        assert_valid_html(response, target)
    assert list(Work.objects.values_list("title", flat=True)) == ["Kept"]
    assert fresh(work).revision == 1
    assert list(Tag.objects.values_list("name", flat=True)) == ["Naruto"]


def test_expected_chapters_cannot_be_fewer_than_the_chapters(client_for, creator, posted):
    response = client_for(creator).post(url("edit_work", posted), work_data(expected_chapters=1))
    assert "already has 2 chapters" in response.content.decode()
    assert fresh(posted).expected_chapters is None


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"body": ""}, "This field is required."),
        ({"body": "<script>alert(1)</script>"}, "no text left"),
        ({"title": "t" * 256}, "at most 255 characters"),
    ],
)
def test_bad_chapter_input_is_a_form_error_and_saves_nothing(
    client_for, creator, posted, fields, error
):
    client = client_for(creator)
    for target in [url("new_chapter", posted), url("edit_chapter", posted, 1)]:
        response = client.post(target, chapter_data(notes="Notes I wrote.", **fields))
        assert response.status_code == 200
        page = response.content.decode()
        assert error in page and "Notes I wrote." in page
    assert fresh(posted).revision == 1
    assert posted.chapters.get(position=1).title == "Part 1"


# The sanitiser: nothing dangerous reaches a page


def test_nothing_dangerous_that_a_creator_types_reaches_any_page(client_for, creator, reader_show):
    payload = "".join(PAYLOADS) + "<em>left open <strong>too"
    client = client_for(creator)
    client.post(NEW_WORK, work_data(summary=payload, notes=payload, end_notes=payload))
    work = Work.objects.get()
    text = {"summary": payload, "notes": payload, "end_notes": payload}
    client.post(url("new_chapter", work), chapter_data(body="Safe words. " + payload, **text))
    client.post(url("new_chapter", work), chapter_data(body="More words. " + payload, **text))
    client.post(url("post_work", work))
    pages = [
        work.get_absolute_url(),
        reverse("archive:chapter_detail", args=[work.pk, 2]),
        reverse("archive:work_entire", args=[work.pk]),
        reverse("archive:work_list"),
        reverse("archive:search") + "?q=words",
    ]
    reader_client = client_for(reader_show)
    for target in pages:
        response = reader_client.get(target)
        assert response.status_code == 200, target
        page = response.content.decode()
        assert "Safe words." in page or "Two keepers" in page or "left open" in page, target
        for forbidden in NEVER_ON_A_PAGE:
            assert forbidden not in page, (target, forbidden)
        assert_valid_html(response, target)
    assert Chapter.objects.get(work=work, position=1).body.startswith("Safe words. ")


# Reordering and deleting chapters


def test_move_buttons_reorder_the_chapters(client_for, creator, posted):
    client = client_for(creator)
    page = client.get(url("edit_work", posted)).content.decode()
    assert page.count('name="direction" value="up"') == 1
    assert page.count('name="direction" value="down"') == 1
    response = client.post(url("move_chapter", posted, 2), {"direction": "up"})
    assert response["Location"] == url("edit_work", posted) + "#chapters"
    titles = list(posted.chapters.order_by("position").values_list("title", flat=True))
    assert titles == ["Part 2", "Part 1"]


def test_moving_past_the_end_says_so(client_for, creator, posted):
    response = client_for(creator).post(
        url("move_chapter", posted, 2), {"direction": "down"}, follow=True
    )
    assert "already the last chapter" in response.content.decode()
    assert fresh(posted).revision == 1


def test_deleting_a_chapter_asks_first(client_for, creator, posted):
    client = client_for(creator)
    page = client.get(url("delete_chapter", posted, 1)).content.decode()
    assert "Delete this chapter" in page
    assert fresh(posted).chapter_count == 2
    response = client.post(url("delete_chapter", posted, 1), follow=True)
    assert "Chapter 1: Part 1 is deleted." in response.content.decode()
    assert list(posted.chapters.values_list("position", "title")) == [(1, "Part 2")]


def test_the_last_chapter_of_a_posted_work_cannot_be_deleted_and_the_page_says_so(
    client_for, creator
):
    work = make_work(creator=creator, chapters=1)
    client = client_for(creator)
    page = client.get(url("delete_chapter", work, 1)).content.decode()
    assert "cannot be deleted" in page and "Delete this chapter" not in page
    response = client.post(url("delete_chapter", work, 1), follow=True)
    assert "keeps at least one chapter" in response.content.decode()
    assert fresh(work).chapter_count == 1


def test_deleting_a_work_asks_first_then_goes_to_my_works(client_for, creator, posted):
    client = client_for(creator)
    assert "Delete this work" in client.get(url("delete_work", posted)).content.decode()
    assert Work.objects.filter(pk=posted.pk).exists()
    response = client.post(url("delete_work", posted))
    assert response["Location"] == MY_WORKS
    assert not Work.objects.filter(pk=posted.pk).exists()


# Creator controls and My works


@pytest.mark.parametrize(
    ("persona", "shown"), [("creator", True), ("staff", True), ("reader_show", False)]
)
def test_only_the_creator_and_staff_see_the_controls_on_the_work(
    request, client_for, posted, persona, shown
):
    client = client_for(request.getfixturevalue(persona))
    page = client.get(reverse("archive:chapter_detail", args=[posted.pk, 2])).content.decode()
    assert (url("edit_work", posted) in page) is shown
    assert (url("edit_chapter", posted, 2) in page) is shown


def test_a_draft_without_chapters_opens_for_its_creator(client_for, creator):
    client = client_for(creator)
    client.post(NEW_WORK, work_data())
    work = Work.objects.get()
    for target in [work.get_absolute_url(), reverse("archive:work_entire", args=[work.pk])]:
        response = client.get(target)
        assert response.status_code == 200, target
        assert_valid_html(response, target)
    page = client.get(work.get_absolute_url()).content.decode()
    assert "This work has no chapters yet." in page
    assert "Add a chapter to be able to post this work." in page


def test_guests_never_see_controls_on_a_work_without_a_creator(client):
    work = make_work()
    assert "Edit work" not in client.get(work.get_absolute_url()).content.decode()


def test_my_works_lists_drafts_first_and_only_mine(client_for, creator, reader_ask, posted, draft):
    make_work(creator=reader_ask, title="Not mine")
    response = client_for(creator).get(MY_WORKS)
    page = response.content.decode()
    assert "Not mine" not in page
    assert [work.pk for work in response.context["page"]] == [draft.pk, posted.pk]
    assert url("edit_work", draft) in page and url("edit_work", posted) in page
    assert "Draft" in page


def test_each_tag_box_asks_for_suggestions_of_its_own_kind(client_for, creator):
    make_work(tags=[("Naruto", TagKind.FANDOM), ("Naruto Uzumaki", TagKind.CHARACTER)])
    form = client_for(creator).get(NEW_WORK).context["form"]
    suggested = {}
    for field in ["fandoms", "relationships", "characters", "additional_tags"]:
        address = form.fields[field].widget.attrs["data-autocomplete"]
        answer = client_for(creator).get(f"{address}&q=naru").json()
        suggested[field] = [tag["name"] for tag in answer["tags"]]

    assert suggested == {
        "fandoms": ["Naruto"],
        "relationships": [],
        "characters": ["Naruto Uzumaki"],
        "additional_tags": [],
    }


def test_the_tag_boxes_carry_their_kind_on_the_page(client_for, creator):
    page = client_for(creator).get(NEW_WORK).content.decode()

    for kind in ["fandom", "relationship", "character", "additional"]:
        assert f'data-autocomplete="/tags/autocomplete/?kind={kind}"' in page


# Query counts


def test_my_works_query_count(client_for, creator, django_assert_num_queries):
    for _ in range(3):
        make_work(creator=creator, tags=[("Naruto", TagKind.FANDOM)])
    client = client_for(creator)
    # session, reader, count, works with creators, their tags
    with django_assert_num_queries(5):
        client.get(MY_WORKS)


def test_new_work_query_count(client_for, creator, django_assert_num_queries):
    client = client_for(creator)
    # session, reader, their series (the series menu)
    with django_assert_num_queries(3):
        client.get(NEW_WORK)


def test_edit_work_query_count(client_for, creator, posted, django_assert_num_queries):
    client = client_for(creator)
    # session, reader, is it theirs, work with creator, tags (for the form), the creator's
    # series it is not in (the series menu), chapter list
    with django_assert_num_queries(7):
        client.get(url("edit_work", posted))


def test_new_chapter_query_count(client_for, creator, posted, django_assert_num_queries):
    client = client_for(creator)
    # session, reader, is it theirs, work with creator, their autosaved text
    with django_assert_num_queries(5):
        client.get(url("new_chapter", posted))


def test_edit_chapter_query_count(client_for, creator, posted, django_assert_num_queries):
    client = client_for(creator)
    # session, reader, is it theirs, work with creator, chapter, their autosaved text
    with django_assert_num_queries(6):
        client.get(url("edit_chapter", posted, 2))


def test_delete_pages_query_count(client_for, creator, posted, django_assert_num_queries):
    client = client_for(creator)
    # session, reader, their work
    with django_assert_num_queries(3):
        client.get(url("delete_work", posted))
    # session, reader, their work, the chapter
    with django_assert_num_queries(4):
        client.get(url("delete_chapter", posted, 2))


def test_the_chapter_page_costs_its_creator_no_extra_query(
    client_for, creator, posted, django_assert_num_queries
):
    client = client_for(creator)
    # session, reader, work, tags (drawing the header), chapter index with the shown
    # chapter's text, reading history (read, savepoint, the first reading, release), whether
    # the work is in a series, the reader's kudos and bookmark marks: the creator's controls
    # read only what is loaded
    with django_assert_num_queries(11):
        client.get(reverse("archive:chapter_detail", args=[posted.pk, 2]))
