"""Bookmarks: notes, tags, private and recommend; one per reader per work; the lists."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Reader
from archive.models import Bookmark, BookmarkTag, Work
from archive.reading import bookmarks, kudos
from tests.factories import make_work
from tests.test_site import assert_valid_html, count_h1

pytestmark = pytest.mark.django_db


def quick_reader(username):
    """A reader who never logs in with a password (force_login needs none): no slow hashing."""
    return Reader.objects.create_user(username)


def bookmark_url(work):
    return reverse("archive:bookmark_work", args=[work.pk])


def delete_url(bookmark):
    return reverse("archive:delete_bookmark", args=[bookmark.pk])


def public_count(work):
    return Work.objects.get(pk=work.pk).public_bookmark_count


def form_data(**fields):
    return {"notes": "", "tags": "", **fields}


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


MINE = reverse("archive:my_bookmarks")


def readers_page(reader):
    return reverse("archive:reader_bookmarks", args=[reader.username])


def works_page(work):
    return reverse("archive:work_bookmarks", args=[work.pk])


# Saving, editing and deleting


def test_a_reader_bookmarks_a_work_with_notes_tags_and_flags(client_for, reader_ask):
    work = make_work()
    data = form_data(notes="So good.", tags="fluff, slow burn, fluff", recommend="on")
    response = client_for(reader_ask).post(bookmark_url(work), data, follow=True)
    assert response.redirect_chain[-1][0] == MINE
    bookmark = Bookmark.objects.get(reader=reader_ask, work=work)
    assert bookmark.notes == "So good."
    assert sorted(bookmark.tags.names()) == ["fluff", "slow burn"]
    assert bookmark.recommend and not bookmark.private
    assert public_count(work) == 1
    assert "So good." in response.content.decode()


def test_bookmarking_again_edits_the_one_bookmark(client_for, reader_ask):
    work = make_work()
    client = client_for(reader_ask)
    client.post(bookmark_url(work), form_data(notes="First.", tags="a, b"))
    form = client.get(bookmark_url(work)).context["form"]
    assert form["notes"].value() == "First."
    assert 'value="a, b"' in str(form["tags"])
    client.post(bookmark_url(work), form_data(notes="Second.", tags="b, c"))
    bookmark = Bookmark.objects.get(reader=reader_ask, work=work)
    assert bookmark.notes == "Second."
    assert sorted(bookmark.tags.names()) == ["b", "c"]
    assert Bookmark.objects.count() == 1
    assert public_count(work) == 1


def test_notes_are_plain_text_shown_escaped_with_their_line_breaks(client_for, reader_ask):
    work = make_work()
    notes = "Line one\nLine <script>alert(1)</script> two"
    client = client_for(reader_ask)
    client.post(bookmark_url(work), form_data(notes=notes, tags="<b>bold</b>"))
    assert Bookmark.objects.get().notes == notes  # stored as typed, escaped when shown
    for url in [MINE, works_page(work), readers_page(reader_ask)]:
        content = page_text(client, url)
        assert "<p>Line one<br>Line &lt;script&gt;alert(1)&lt;/script&gt; two</p>" in content
        assert "&lt;b&gt;bold&lt;/b&gt;" in content
        assert "<script>alert" not in content


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("notes", "x" * 5001, "at most 5000 characters"),
        ("tags", ", ".join(f"tag{n}" for n in range(21)), "Use at most 20 tags; you gave 21."),
        ("tags", "ok, " + "y" * 101, "Each tag can be at most 100 characters"),
    ],
)
def test_bad_input_is_a_form_error_and_keeps_the_saved_bookmark(
    client_for, reader_ask, field, value, error
):
    work = make_work()
    client = client_for(reader_ask)
    client.post(bookmark_url(work), form_data(notes="Kept.", tags="kept"))
    response = client.post(bookmark_url(work), form_data(**{field: value}))
    assert response.status_code == 200
    assert error in str(response.context["form"].errors[field])
    assert "Your bookmark is not saved yet" in response.content.decode()
    bookmark = Bookmark.objects.get()
    assert bookmark.notes == "Kept."
    assert bookmark.tags.names()[0] == "kept"


def test_twenty_tags_of_a_hundred_characters_are_accepted(client_for, reader_ask):
    work = make_work()
    tags = ", ".join(f"{n:02d}" + "z" * 98 for n in range(20))
    client_for(reader_ask).post(bookmark_url(work), form_data(tags=tags))
    assert len(Bookmark.objects.get().tags.names()) == 20


def test_tags_of_emoji_or_punctuation_get_slugs_of_their_own(client_for, reader_ask):
    smile, plain = make_work(title="Smile"), make_work(title="Plain")
    client = client_for(reader_ask)
    client.post(bookmark_url(smile), form_data(tags="🙂, !!!"))
    client.post(bookmark_url(plain), form_data(tags="fluff"))
    slugs = {tag.name: tag.slug for tag in BookmarkTag.objects.all()}
    assert all(slugs.values()) and len(set(slugs.values())) == 3

    everything = client.get(MINE)
    assert {b.work.title for b in everything.context["page"]} == {"Smile", "Plain"}
    assert everything.context["tag"] is None
    only_smile = client.get(MINE, {"tag": slugs["🙂"]})
    assert [b.work.title for b in only_smile.context["page"]] == ["Smile"]


def test_any_tag_lists_everything_even_beside_an_old_tag_with_an_empty_slug(client_for, reader_ask):
    # taggit's own slug for "🙂" was "": such a tag may already be in an archive.
    BookmarkTag.objects.create(name="🙂", slug="")
    bookmarks.save_bookmark(reader=reader_ask, work=make_work(title="Smile"), tags=["🙂"])
    bookmarks.save_bookmark(reader=reader_ask, work=make_work(title="Plain"), tags=["fluff"])
    response = client_for(reader_ask).get(MINE, {"tag": ""})
    assert response.context["page"].paginator.count == 2
    assert response.context["tag"] is None


def test_long_tags_with_one_slug_are_all_saved_within_the_column(client_for, reader_ask):
    # On PostgreSQL taggit's "bbb…b_1" overflowed varchar(100): a 500, and the notes lost.
    # "ﬀ" is one character whose slug is two; "!" and "?" leave the slug.
    names = ["b" * 100, "b" * 99 + "!", "b" * 99 + "?", "ﬀ" * 100, "FF" * 50]
    client = client_for(reader_ask)
    for name in names:
        work = make_work()
        response = client.post(bookmark_url(work), form_data(notes=f"On {name[:3]}", tags=name))
        assert response.status_code == 302, name
        assert Bookmark.objects.get(work=work).tags.names()[0] == name
    slugs = list(BookmarkTag.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == len(names)
    assert max(len(slug) for slug in slugs) <= 100


def test_the_public_count_follows_private_flips_and_deletion(client_for, reader_ask):
    work = make_work()
    client = client_for(reader_ask)
    client.post(bookmark_url(work), form_data(private="on"))
    assert public_count(work) == 0
    client.post(bookmark_url(work), form_data())
    assert public_count(work) == 1
    client.post(bookmark_url(work), form_data(notes="still public"))
    assert public_count(work) == 1
    client.post(bookmark_url(work), form_data(private="on"))
    assert public_count(work) == 0
    client.post(bookmark_url(work), form_data())
    response = client.post(delete_url(Bookmark.objects.get()), follow=True)
    assert response.redirect_chain[-1][0] == MINE
    assert not Bookmark.objects.exists()
    assert public_count(work) == 0


def test_deleting_a_private_bookmark_leaves_the_count_alone():
    work = make_work()
    public = bookmarks.save_bookmark(reader=quick_reader("pub"), work=work)
    private = bookmarks.save_bookmark(reader=quick_reader("priv"), work=work, private=True)
    assert public_count(work) == 1
    bookmarks.delete_bookmark(bookmark=private)
    assert public_count(work) == 1
    bookmarks.delete_bookmark(bookmark=public)
    bookmarks.delete_bookmark(bookmark=public)  # already gone: nothing changes
    assert public_count(work) == 0


def test_delete_answers_posts_only(client_for, reader_ask):
    bookmark = bookmarks.save_bookmark(reader=reader_ask, work=make_work())
    assert client_for(reader_ask).get(delete_url(bookmark)).status_code == 405
    assert Bookmark.objects.filter(pk=bookmark.pk).exists()


# Privacy: only the owner ever sees a private bookmark, and only the owner changes it


@pytest.fixture
def private_bookmark(reader_ask):
    work = make_work(title="Secret Favourite")
    return bookmarks.save_bookmark(
        reader=reader_ask, work=work, notes="my secret note", tags=["hush"], private=True
    )


@pytest.mark.parametrize("persona", ["guest", "other", "staff"])
def test_nobody_else_sees_a_private_bookmark_anywhere(
    request, client_for, private_bookmark, reader_ask, persona
):
    viewer = None
    if persona == "other":
        viewer = quick_reader("other")
    elif persona == "staff":
        viewer = request.getfixturevalue("staff")
    client = client_for(viewer)
    work = private_bookmark.work
    for url in [works_page(work), readers_page(reader_ask)]:
        content = page_text(client, url)
        assert "my secret note" not in content
        assert "hush" not in content
        assert "Private" not in content
    assert client.get(works_page(work)).context["page"].paginator.count == 0
    assert "<dt>Bookmarks</dt><dd>0</dd>" in page_text(client, works_page(work))


def test_the_owner_sees_their_private_bookmark_marked_private(
    client_for, private_bookmark, reader_ask
):
    client = client_for(reader_ask)
    for url in [MINE, works_page(private_bookmark.work), readers_page(reader_ask)]:
        content = page_text(client, url)
        assert "my secret note" in content
        assert '<span class="badge">Private</span>' in content


def test_another_reader_can_never_change_or_delete_my_bookmark(
    client_for, private_bookmark, reader_ask
):
    other = quick_reader("other")
    client = client_for(other)
    assert client.post(delete_url(private_bookmark)).status_code == 404
    public = bookmarks.save_bookmark(reader=reader_ask, work=make_work(), notes="public")
    assert client.post(delete_url(public)).status_code == 404
    assert client.post(reverse("archive:delete_bookmark", args=[999999])).status_code == 404
    # Their form for the same work makes their own bookmark, whatever ids it smuggles in.
    smuggled = form_data(notes="theirs", reader=reader_ask.pk, id=private_bookmark.pk)
    client.post(bookmark_url(private_bookmark.work), smuggled)
    private_bookmark.refresh_from_db()
    assert private_bookmark.notes == "my secret note"
    assert Bookmark.objects.get(reader=other).notes == "theirs"
    assert Bookmark.objects.filter(reader=reader_ask).count() == 2


def test_a_guest_is_asked_to_log_in_to_bookmark(client):
    work = make_work()
    content = page_text(client, work.get_absolute_url())
    assert "Log in to bookmark" in content
    assert bookmark_url(work) not in content
    assert client.get(bookmark_url(work)).status_code == 302
    assert client.post(bookmark_url(work), form_data(notes="x")).status_code == 302
    assert client.get(MINE).status_code == 302
    assert not Bookmark.objects.exists()


def test_the_work_page_offers_to_bookmark_or_edit(client_for, reader_ask):
    work = make_work()
    client = client_for(reader_ask)
    assert ">Bookmark</a>" in page_text(client, work.get_absolute_url())
    bookmarks.save_bookmark(reader=reader_ask, work=work)
    content = page_text(client, work.get_absolute_url())
    assert ">Edit your bookmark</a>" in content
    assert f'href="{works_page(work)}">Public bookmarks (1)</a>' in content


def test_unknown_and_draft_works_are_404(client_for, reader_ask, creator):
    draft = make_work(creator=creator, is_posted=False)
    client = client_for(reader_ask)
    assert client.get(reverse("archive:bookmark_work", args=[999999])).status_code == 404
    assert client.get(bookmark_url(draft)).status_code == 404
    assert client.post(bookmark_url(draft), form_data()).status_code == 404
    assert client.get(works_page(draft)).status_code == 404
    assert client.get(reverse("archive:reader_bookmarks", args=["nobody"])).status_code == 404


def test_bookmarks_of_a_work_that_became_a_draft_leave_public_lists(
    client_for, reader_ask, creator
):
    work = make_work(creator=creator, title="Taken Down")
    bookmarks.save_bookmark(reader=reader_ask, work=work, notes="was good")
    Work.objects.filter(pk=work.pk).update(is_posted=False)
    assert "was good" not in page_text(client_for(None), readers_page(reader_ask))
    assert "was good" not in page_text(client_for(quick_reader("other")), readers_page(reader_ask))


# The lists


def test_my_bookmarks_filter_by_my_tags(client_for, reader_ask):
    one, two = make_work(title="Alpha"), make_work(title="Beta")
    bookmarks.save_bookmark(reader=reader_ask, work=one, tags=["angst", "reread"])
    bookmarks.save_bookmark(reader=reader_ask, work=two, tags=["fluff"])
    bookmarks.save_bookmark(reader=quick_reader("other"), work=two, tags=["angst"])
    client = client_for(reader_ask)
    response = client.get(MINE, {"tag": "angst"})
    assert [b.work.title for b in response.context["page"]] == ["Alpha"]
    assert response.context["tag"].name == "angst"
    assert "My bookmarks tagged <q>angst</q>" in response.content.decode()
    counts = {tag.name: tag.uses for tag in response.context["tags"]}
    assert counts == {"angst": 1, "fluff": 1, "reread": 1}  # only my bookmarks count


def test_my_bookmarks_ignore_an_unknown_tag_with_a_form_error(client_for, reader_ask):
    bookmarks.save_bookmark(reader=reader_ask, work=make_work(), tags=["mine"])
    response = client_for(reader_ask).get(MINE, {"tag": "not-mine", "sort": "nonsense"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"tag", "sort"}
    assert response.context["page"].paginator.count == 1


def test_my_bookmarks_sort_by_date_bookmarked_work_updated_or_title(client_for, reader_ask):
    day = datetime.date(2026, 1, 1)
    works = [
        make_work(title="Charlie", updated=day + datetime.timedelta(days=2)),
        make_work(title="Alpha", updated=day + datetime.timedelta(days=1)),
        make_work(title="Bravo", updated=day + datetime.timedelta(days=3)),
    ]
    for work in works:
        bookmarks.save_bookmark(reader=reader_ask, work=work)
    client = client_for(reader_ask)

    def titles(sort):
        return [b.work.title for b in client.get(MINE, {"sort": sort}).context["page"]]

    assert titles("bookmarked") == ["Bravo", "Alpha", "Charlie"]
    assert titles("updated") == ["Bravo", "Charlie", "Alpha"]
    assert titles("title") == ["Alpha", "Bravo", "Charlie"]


def test_my_bookmarks_are_paginated(client_for, reader_ask, settings):
    settings.WORKS_PER_PAGE = 2
    for _ in range(5):
        bookmarks.save_bookmark(reader=reader_ask, work=make_work())
    client = client_for(reader_ask)
    page = client.get(MINE, {"page": 3}).context["page"]
    assert page.paginator.num_pages == 3
    assert len(page.object_list) == 1


def test_bookmark_lists_leave_out_works_the_reader_hides(client_for, reader_hide):
    fan = quick_reader("fan")
    explicit = make_work(rating="explicit", title="Hidden Heat")
    general = make_work(title="Open Sky")
    for work in (explicit, general):
        bookmarks.save_bookmark(reader=fan, work=work, notes=f"about {work.title}")
        bookmarks.save_bookmark(reader=reader_hide, work=work)
    client = client_for(reader_hide)
    for url in [readers_page(fan), MINE]:
        content = page_text(client, url)
        assert "Open Sky" in content
        assert "Hidden Heat" not in content
    assert "Hidden Heat" in page_text(client_for(None), readers_page(fan))


def test_blurbs_show_public_bookmark_counts(client_for, reader_ask):
    work = make_work()
    bookmarks.save_bookmark(reader=reader_ask, work=work)
    bookmarks.save_bookmark(reader=quick_reader("quiet"), work=work, private=True)
    content = page_text(client_for(None), reverse("archive:work_list"))
    assert f'<dt>Bookmarks</dt><dd><a href="{works_page(work)}">1</a></dd>' in content


# Query counts


@pytest.mark.parametrize("size", [2, 12])
def test_my_bookmarks_query_count(client_for, reader_ask, django_assert_num_queries, size):
    for n in range(size):
        bookmarks.save_bookmark(reader=reader_ask, work=make_work(), tags=[f"t{n}", "all"])
    client = client_for(reader_ask)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), my tags,
    # count (shown and hidden), bookmarks with readers, bookmark tags, works I may see with
    # creators, work tags
    with django_assert_num_queries(8):
        client.get(MINE, {"tag": "all", "sort": "title"})


@pytest.mark.parametrize("size", [2, 12])
def test_work_bookmarks_query_count(client, django_assert_num_queries, size):
    work = make_work()
    for n in range(size):
        bookmarks.save_bookmark(reader=quick_reader(f"r{n}"), work=work, tags=["x"])
    # work, tags, count, bookmarks with readers, bookmark tags
    with django_assert_num_queries(5):
        client.get(works_page(work))


@pytest.mark.parametrize("size", [2, 12])
def test_reader_bookmarks_query_count(client, reader_ask, django_assert_num_queries, size):
    for _ in range(size):
        bookmarks.save_bookmark(reader=reader_ask, work=make_work(), tags=["x"])
    # reader, count, bookmarks with works and creators, bookmark tags, work tags, warnings
    with django_assert_num_queries(6):
        client.get(readers_page(reader_ask))


def test_bookmark_form_query_count(client_for, reader_ask, django_assert_num_queries):
    work = make_work()
    bookmarks.save_bookmark(reader=reader_ask, work=work, tags=["x"])
    client = client_for(reader_ask)
    # session, reader, work, tags, my bookmark, its tags
    with django_assert_num_queries(6):
        client.get(bookmark_url(work))


def test_saving_a_bookmark_query_count(client_for, reader_ask, django_assert_num_queries):
    work = make_work()
    client = client_for(reader_ask)
    # session, reader, the rate limit's count (start the minute's, purge expired ones), work, its
    # tags, my bookmark (none yet); savepoint, my bookmark locked, savepoint, insert, release; tags
    # by name, then savepoint, insert and release for each of the 2 new ones; links to other tags
    # removed, links added, public count, the day's bookmarks (the work's, its creator's); release
    with django_assert_num_queries(25):
        client.post(bookmark_url(work), form_data(notes="First.", tags="a, b"))
    # session, reader, the rate limit's count (the minute's is started: add it to it), work,
    # its tags, my bookmark, its tags (the form's initial value); savepoint, my
    # bookmark locked, update; tags by name, savepoint, insert and release for the new one;
    # the link to "a" removed, links added; release (the public count is unchanged)
    with django_assert_num_queries(18):
        client.post(bookmark_url(work), form_data(notes="Second.", tags="b, c"))
    assert sorted(Bookmark.objects.get().tags.names()) == ["b", "c"]


def test_signed_in_work_page_query_count(client_for, reader_ask, django_assert_num_queries):
    work = make_work(chapters=3)
    kudos.give_kudos(work=work, reader=quick_reader("alice"))
    # Reading history is pinned by its own tests; this one counts what the actions add.
    reader_ask.history_enabled = False
    reader_ask.save()
    client = client_for(reader_ask)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), work,
    # tags (drawing the header), hit count update, the day's hits (the work's, its creator's),
    # chapter index with the first chapter's text, whether it is in a series, my kudos,
    # bookmark, mark for later and subscription, kudos givers
    with django_assert_num_queries(11):
        client.get(work.get_absolute_url())


def test_bookmark_pages_with_content_are_valid_with_one_h1(client_for, reader_ask):
    work = make_work(title="Valid & <Well-formed>")
    kudos.give_kudos(work=work, reader=quick_reader("alice"))
    bookmarks.save_bookmark(
        reader=reader_ask, work=work, notes="a\n\nb <i>", tags=["x", "y"], recommend=True
    )
    bookmarks.save_bookmark(reader=quick_reader("bob"), work=work, private=True)
    bookmarks.mark_for_later(reader=reader_ask, work=work)
    client = client_for(reader_ask)
    urls = [
        work.get_absolute_url(),
        bookmark_url(work),
        works_page(work),
        readers_page(reader_ask),
        MINE + "?tag=x",
        reverse("archive:marked_for_later"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert count_h1(response) == 1, url
        assert_valid_html(response, url)


# Own lists lose nothing silently


def test_own_lists_with_hidden_unavailable_and_deleted_works_are_valid_with_one_h1(
    client_for, reader_hide, staff
):
    from archive.reading import history
    from archive.writing import posting

    taken_down, explicit = make_work(title="Taken Down"), make_work(rating="explicit")
    for work in (taken_down, explicit, make_work()):
        bookmarks.save_bookmark(reader=reader_hide, work=work, notes="n", tags=["x"])
        bookmarks.mark_for_later(reader=reader_hide, work=work)
        history.record_visit(reader=reader_hide, work=work, chapter=work.chapters.first())
    posting.hide_work(work=taken_down, by=staff)
    deleted_bookmark(reader_hide)
    client = client_for(reader_hide)
    lists = [MINE, reverse("archive:marked_for_later"), reverse("archive:history")]
    for url in lists + [f"{url}?show_hidden=1" for url in lists]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert count_h1(response) == 1, url
        assert_valid_html(response, url)


def test_a_work_just_bookmarked_that_the_reader_hides_is_counted_with_show_them(
    client_for, reader_hide
):
    work = make_work(title="Hidden Heat", rating="explicit")
    client = client_for(reader_hide)
    client.post(bookmark_url(work), form_data(notes="for later"))
    page_text(client, MINE)  # says the bookmark is saved, naming the work
    content = page_text(client, MINE)
    assert "Hidden Heat" not in content
    assert "0 bookmarks" in content and "1 hidden by your preferences" in content
    assert 'href="?show_hidden=1">Show them</a>' in content
    assert "Every bookmark here is of a work your preferences hide." in content
    shown = client.get(MINE + "?show_hidden=1")
    assert [b.listed_work for b in shown.context["page"]] == [work]
    assert "including works you usually hide" in shown.content.decode()


def test_show_them_keeps_the_chosen_tag(client_for, reader_hide):
    tagged = make_work(title="Hidden Heat", rating="explicit")
    bookmarks.save_bookmark(reader=reader_hide, work=tagged, tags=["reread"])
    bookmarks.save_bookmark(
        reader=reader_hide, work=make_work(title="Other Heat", rating="explicit")
    )
    client = client_for(reader_hide)
    content = page_text(client, MINE + "?tag=reread")
    assert 'href="?tag=reread&amp;show_hidden=1">Show them</a>' in content
    shown = client.get(MINE, {"tag": "reread", "show_hidden": "1"})
    assert [b.listed_work for b in shown.context["page"]] == [tagged]


def test_a_bookmark_of_a_work_hidden_by_staff_stays_without_its_blurb(
    client_for, reader_ask, staff
):
    from archive.writing import posting

    work = make_work(title="Taken Down")
    bookmarks.save_bookmark(reader=reader_ask, work=work, notes="my own words", tags=["keep"])
    posting.hide_work(work=work, by=staff, reason="spam")
    client = client_for(reader_ask)
    content = page_text(client, MINE)
    assert "1 bookmark" in content
    # The reader's notes and tags; nothing of the work, not even its title.
    assert "my own words" in content and ">keep</a>" in content
    assert "Taken Down" not in content and "Summary of work" not in content
    assert "This work is no longer available to you" in content
    bookmark = Bookmark.objects.get()
    edit = reverse("archive:edit_bookmark", args=[bookmark.pk])
    assert f'href="{edit}"' in content
    assert bookmark_url(work) not in content
    page = page_text(client, edit)
    assert "Taken Down" not in page and "a work no longer available" in page
    client.post(edit, form_data(notes="still mine"))
    assert "Taken Down" not in page_text(client, MINE)
    assert Bookmark.objects.get().notes == "still mine"
    assert "Taken Down" not in page_text(client_for(None), readers_page(reader_ask))


# A bookmark outlives its work


def deleted_bookmark(reader, *, title="Gone Tomorrow", **fields):
    from archive.writing import posting

    author = quick_reader("author")
    work = make_work(title=title, creator=author)
    bookmarks.save_bookmark(reader=reader, work=work, **fields)
    posting.delete_work(work=work)
    return Bookmark.objects.get(reader=reader, work=None)


def test_a_bookmark_keeps_its_notes_tags_and_the_works_name_when_the_work_is_deleted(
    client_for, reader_ask
):
    bookmark = deleted_bookmark(reader_ask, notes="Loved it.", tags=["comfort"], recommend=True)
    assert bookmark.work is None and bookmark.work_deleted
    assert (bookmark.work_title, bookmark.work_creator) == ("Gone Tomorrow", "author")
    assert bookmark.notes == "Loved it." and bookmark.tags.names()[0] == "comfort"
    content = page_text(client_for(reader_ask), MINE)
    assert "1 bookmark" in content
    assert "Gone Tomorrow" in content and "by author" in content
    assert "This work was deleted" in content
    assert "Loved it." in content and ">comfort</a>" in content


def test_the_title_kept_is_the_one_the_work_had_when_deleted(reader_ask):
    from archive.writing import posting

    work = make_work(title="First Title")
    bookmarks.save_bookmark(reader=reader_ask, work=work)
    Work.objects.filter(pk=work.pk).update(title="Last Title")
    posting.delete_work(work=Work.objects.get(pk=work.pk))
    assert Bookmark.objects.get().work_title == "Last Title"
    assert Bookmark.objects.get().work_creator == "Imported Author"


def test_a_bookmark_of_a_deleted_work_can_be_edited_and_deleted(client_for, reader_ask):
    bookmark = deleted_bookmark(reader_ask, notes="Old.", tags=["a"])
    client = client_for(reader_ask)
    edit = reverse("archive:edit_bookmark", args=[bookmark.pk])
    page = client.get(edit)
    assert count_h1(page) == 1
    assert_valid_html(page, edit)
    assert "Gone Tomorrow" in page.content.decode()
    assert "This work was deleted" in page.content.decode()
    response = client.post(edit, form_data(notes="New.", tags="b, c", private="on"))
    assert response.status_code == 302 and response.url == MINE
    bookmark.refresh_from_db()
    assert bookmark.notes == "New." and bookmark.private
    assert sorted(bookmark.tags.names()) == ["b", "c"]
    assert client.post(edit, form_data(notes="x" * 5001)).status_code == 200  # the form says why
    client.post(delete_url(bookmark))
    assert not Bookmark.objects.exists()


def test_editing_a_bookmark_by_itself_is_only_for_its_reader(client_for, reader_ask):
    bookmark = deleted_bookmark(quick_reader("owner"), notes="Theirs.")
    client = client_for(reader_ask)
    edit = reverse("archive:edit_bookmark", args=[bookmark.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_data(notes="Mine now.")).status_code == 404
    assert client.post(delete_url(bookmark)).status_code == 404
    assert Bookmark.objects.get().notes == "Theirs."


def test_editing_a_bookmark_of_a_visible_work_goes_to_the_works_bookmark_form(
    client_for, reader_ask
):
    work = make_work()
    bookmark = bookmarks.save_bookmark(reader=reader_ask, work=work)
    response = client_for(reader_ask).get(reverse("archive:edit_bookmark", args=[bookmark.pk]))
    assert response.status_code == 302 and response.url == bookmark_url(work)


def test_public_lists_leave_out_bookmarks_of_deleted_works(client_for, reader_ask):
    deleted_bookmark(reader_ask, notes="Public words.")
    for viewer in (None, quick_reader("other")):
        content = page_text(client_for(viewer), readers_page(reader_ask))
        assert "Gone Tomorrow" not in content and "0 bookmarks" in content


def test_counts_stay_right_when_a_bookmarked_work_is_deleted(client_for, reader_ask):
    kept = make_work()
    bookmarks.save_bookmark(reader=reader_ask, work=kept)
    bookmark = deleted_bookmark(reader_ask)
    assert public_count(kept) == 1
    client = client_for(reader_ask)
    client.post(reverse("archive:edit_bookmark", args=[bookmark.pk]), form_data(private="on"))
    client.post(delete_url(bookmark))
    assert public_count(kept) == 1
    assert Bookmark.objects.get().work == kept


def test_sorting_my_bookmarks_places_a_deleted_work_by_the_title_it_kept(client_for, reader_ask):
    deleted_bookmark(reader_ask, title="Bravo")
    for title in ("Alpha", "Charlie"):
        bookmarks.save_bookmark(reader=reader_ask, work=make_work(title=title))
    client = client_for(reader_ask)

    def titles(sort):
        return [b.work_title for b in client.get(MINE, {"sort": sort}).context["page"]]

    assert titles("title") == ["Alpha", "Bravo", "Charlie"]
    assert titles("updated")[-1] == "Bravo"  # a deleted work was updated never


def test_export_and_account_deletion_with_a_deleted_works_bookmark(reader_ask):
    from accounts.account import delete_account, export_account

    bookmark = deleted_bookmark(reader_ask, notes="Noted.", tags=["t"])
    (exported,) = export_account(reader=reader_ask)["bookmarks"]
    assert exported["work"] == {"id": None, "title": "Gone Tomorrow", "deleted": True}
    assert exported["notes"] == "Noted." and exported["tags"] == ["t"]
    delete_account(reader=reader_ask)
    assert not Bookmark.objects.filter(pk=bookmark.pk).exists()
    assert not BookmarkTag.objects.exists()


def test_a_deleted_accounts_name_leaves_the_bookmarks_of_its_deleted_works(reader_ask):
    from accounts.account import delete_account

    deleted_bookmark(reader_ask)
    delete_account(reader=Reader.objects.get(username="author"))
    assert Bookmark.objects.get().work_creator == "orphan_account"


@pytest.mark.parametrize("size", [2, 12])
def test_my_bookmarks_with_hidden_and_deleted_works_query_count(
    client_for, reader_hide, django_assert_num_queries, size
):
    from archive.writing import posting

    for n in range(size):
        for rating in ("general", "explicit", "general"):
            bookmarks.save_bookmark(
                reader=reader_hide, work=make_work(rating=rating), tags=[f"t{n}"]
            )
        posting.delete_work(work=Bookmark.objects.filter(reader=reader_hide).first().work)
    client = client_for(reader_hide)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), my tags,
    # count (shown and hidden), bookmarks with readers, bookmark tags, works I may see with
    # creators, work tags
    with django_assert_num_queries(8):
        response = client.get(MINE, {"sort": "title"})
    assert response.context["listed"].hidden == size
    assert response.context["page"].paginator.count == 2 * size


# Tags differing only in case are one tag


def test_bookmark_tags_differing_only_in_case_are_one_tag(reader_ask):
    first = bookmarks.save_bookmark(reader=quick_reader("first"), work=make_work(), tags=["Fluff"])
    mine = bookmarks.save_bookmark(reader=reader_ask, work=make_work(), tags=["fluff", "FLUFF"])
    assert list(BookmarkTag.objects.values_list("name", flat=True)) == ["Fluff"]
    assert mine.tags.names()[0] == first.tags.names()[0] == "Fluff"


def test_the_first_spelling_given_names_a_new_tag(reader_ask):
    bookmark = bookmarks.save_bookmark(
        reader=reader_ask, work=make_work(), tags=["Slow Burn", "slow burn"]
    )
    assert list(bookmark.tags.names()) == ["Slow Burn"]


def test_my_bookmarks_filter_on_a_tag_whatever_case_it_was_given_in(client_for, reader_ask):
    one, two = make_work(title="Alpha"), make_work(title="Beta")
    bookmarks.save_bookmark(reader=reader_ask, work=one, tags=["Angst"])
    bookmarks.save_bookmark(reader=reader_ask, work=two, tags=["angst"])
    response = client_for(reader_ask).get(MINE, {"tag": "angst"})
    assert sorted(b.work.title for b in response.context["page"]) == ["Alpha", "Beta"]
    assert {tag.name: tag.uses for tag in response.context["tags"]} == {"Angst": 2}


def test_the_database_refuses_a_second_tag_differing_only_in_case(db):
    from django.db import IntegrityError, transaction

    BookmarkTag.objects.create(name="Fluff", slug="fluff")
    with pytest.raises(IntegrityError), transaction.atomic():
        BookmarkTag.objects.create(name="fLUFF", slug="fluff-2")


def test_a_tag_made_meanwhile_in_another_case_is_reused(reader_ask, monkeypatch):
    # Another reader makes "Fluff" between this save's look-up and its insert.
    real = bookmarks._new_tag

    def made_meanwhile(name):
        BookmarkTag.objects.create(name="Fluff", slug="fluff-elsewhere")
        return real(name)

    monkeypatch.setattr(bookmarks, "_new_tag", made_meanwhile)
    bookmark = bookmarks.save_bookmark(reader=reader_ask, work=make_work(), tags=["fluff"])
    assert list(bookmark.tags.names()) == ["Fluff"]
    assert BookmarkTag.objects.count() == 1
