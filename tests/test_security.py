"""The security suite, walked over every route there is: work text stays behind the consent
gate, every state change needs its CSRF token, no reader reaches another's private data, and
what readers type is escaped or sanitised wherever it appears."""

import io
import re
import zipfile
from xml.etree import ElementTree

import html5lib
import pypdf
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import ExcludedTag, FeedToken, SavedFilter
from archive.exporting import downloads
from archive.models import Bookmark, Chapter, Reading, Tag, Work
from archive.reading import bookmarks
from archive.reading import history as reading_history
from archive.vocabulary import StandingChoice, TagKind
from tests.factories import PASSWORD, body_marker, make_reader, make_work
from tests.sweep import all_routes, saved_rows, site_routes, statements_that_may_write


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # The sweeps below send many writes from one reader on purpose.
    settings.RATELIMIT_ENABLE = False


def signed_in(reader, **options):
    client = Client(**options)
    if reader is not None:
        client.force_login(reader)
    return client


def readable_text(response):
    """The response as text, with an EPUB (a zip file) unpacked and a PDF's pages read, so
    their chapters are searched."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as epub:
            return "".join(epub.read(name).decode("utf-8", "replace") for name in epub.namelist())
    if content.startswith(b"%PDF"):
        return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# Work text stays behind the consent gate.


def routes_taking_a_work():
    return [route for route in site_routes() if "work_id" in route.parameters]


def test_the_walk_finds_every_kind_of_route_that_shows_text():
    names = {route.name for route in routes_taking_a_work()}
    assert {
        "archive:work_detail",
        "archive:chapter_detail",
        "archive:work_entire",
        "archive:download_epub",
        "archive:download_html",
        "archive:download_pdf",
        "archive:opds_private_work_epub",
        "archive:opds_private_work_pdf",
    } <= names


def pages_showing_text(client, work, token):
    """Every URL taking the work (GET and POST, redirects followed) whose answer holds text
    of its chapters."""
    values = {
        "work_id": work.pk,
        "position": 1,
        "slug": downloads.file_names(work).slug,
        "token": token,
    }
    markers = [body_marker(work.pk, chapter.position) for chapter in work.chapters.all()]
    shown = set()
    for route in routes_taking_a_work():
        url = route.url({name: values.get(name, 1) for name in route.parameters})
        for method in ("get", "post"):
            response = getattr(client, method)(url, follow=True)
            assert response.status_code < 500, url
            if any(marker in readable_text(response) for marker in markers):
                shown.add((method, route.name))
    return shown


@pytest.fixture
def gated_work(db):
    return make_work(rating="explicit", warnings=["non-con", "underage"], chapters=2)


@pytest.mark.parametrize("who", ["guest", "asking reader", "hiding reader"])
def test_no_route_shows_a_gated_work_to_anyone_who_has_not_agreed(gated_work, who):
    persona = {
        "guest": None,
        "asking reader": make_reader("asker"),
        "hiding reader": make_reader("hider", choice=StandingChoice.HIDE),
    }[who]
    # Private catalog URLs carry a reader's token instead of a session: this one's reader
    # kept "ask each time", so no standing choice covers the work.
    token = FeedToken.objects.create(reader=make_reader("app-user"), key="t" * 43).key
    assert pages_showing_text(signed_in(persona), gated_work, token) == set()


def test_the_sweep_sees_the_text_on_every_reading_route_once_agreed(gated_work):
    """Guards the test above: the markers are found on reading pages, in downloads and
    inside EPUB files, so their absence there means something."""
    reader = make_reader("shower", choice=StandingChoice.SHOW)
    token = FeedToken.objects.create(reader=reader, key="t" * 43).key
    shown = pages_showing_text(signed_in(reader), gated_work, token)
    assert {
        ("get", "archive:work_detail"),
        ("get", "archive:chapter_detail"),
        ("get", "archive:work_entire"),
        ("get", "archive:download_epub"),
        ("get", "archive:download_html"),
        ("get", "archive:download_pdf"),
        ("get", "archive:opds_private_work_epub"),
        ("get", "archive:opds_private_work_pdf"),
    } <= shown


def test_no_listing_feed_or_search_shows_gated_text_to_a_guest(db):
    work = make_work(
        rating="explicit", warnings=["non-con"], chapters=1, tags=[("Gated Fandom", TagKind.FANDOM)]
    )
    marker = body_marker(work.pk, 1)
    tag = Tag.objects.get(name="Gated Fandom")
    values = {"slug": tag.slug, "username": "nobody", "token": "x"}
    client = Client()
    leaks = []
    for route in site_routes():
        if "work_id" in route.parameters:
            continue
        url = route.url({name: values.get(name, 1) for name in route.parameters})
        # Searching for the marker's first word: pages echo the query, never the marker.
        response = client.get(url, {"q": "storytext"})
        assert response.status_code < 500, url
        if marker in readable_text(response):
            leaks.append(url)
    assert leaks == []


# ---------------------------------------------------------------------------------------------
# CSRF on every state change.


@pytest.fixture
def archive_with_a_reader(db):
    creator = make_reader("maker")
    reader = make_reader("lantern", choice=StandingChoice.SHOW)
    staff = make_reader("keeper", is_staff=True, is_superuser=True)
    work = make_work(title="Quiet Harbour", creator=reader, chapters=2)
    make_work(title="Their Work", creator=creator)
    bookmark = bookmarks.save_bookmark(reader=reader, work=work, notes="Mine.")
    saved = SavedFilter.objects.create(reader=reader, name="Mine", query="/works/")
    tag = Tag.objects.create(name="Fluff", kind=TagKind.ADDITIONAL)
    ExcludedTag.objects.create(reader=reader, tag=tag)
    token = FeedToken.objects.create(reader=reader, key="k" * 43)
    values = {
        "work_id": work.pk,
        "position": 1,
        "bookmark_id": bookmark.pk,
        "pk": saved.pk,
        "slug": "fluff",
        "username": reader.username,
        "token": token.key,
        "object_id": work.pk,
    }
    return {"reader": reader, "staff": staff, "values": values}


# Forms every route might read, filled in so that a request with a valid token would act.
FORGED = {
    "notes": "forged",
    "tags": "forged",
    "action": "unmark",
    "items": ["rating:explicit"],
    "history": "off",
    "clear": "on",
    "name": "Fluff",
    "path": "/works/",
    "password": PASSWORD,
    "theme": "dark",
    "title": "Forged",
    "body": "Forged text.",
    "direction": "down",
}


# The one view that takes a POST without a CSRF token: the unsubscribe link in alert emails,
# which mail clients' one-click unsubscribe (RFC 8058) POSTs as it is. Its signed token is the
# credential; tests/following/test_subscription_views.py proves a forged or altered one
# changes nothing.
CSRF_EXEMPT = {"following:unsubscribe"}


def _exempt(route):
    return getattr(route.callback, "csrf_exempt", False)


def test_no_view_is_exempt_from_csrf():
    exempt = [str(route) for route in all_routes() if _exempt(route)]
    assert sorted(exempt) == sorted(CSRF_EXEMPT)


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(archive_with_a_reader):
    world = archive_with_a_reader
    reader_client = signed_in(world["reader"], enforce_csrf_checks=True)
    staff_client = signed_in(world["staff"], enforce_csrf_checks=True)
    accepted = []
    # Each request is rolled back, so each starts from what was saved before the first.
    before = saved_rows()
    for route in all_routes():
        if _exempt(route):
            continue
        client = staff_client if route.namespace == "admin" else reader_client
        url = route.url({name: world["values"].get(name, 1) for name in route.parameters})
        with transaction.atomic():
            with statements_that_may_write() as writes:
                response = client.post(url, FORGED)
            if response.status_code != 403 or (writes and saved_rows() != before):
                accepted.append(f"{url} answered {response.status_code}")
            elif "403_csrf.html" not in [t.name for t in response.templates]:
                accepted.append(f"{url} was refused, but not for its missing CSRF token")
            transaction.set_rollback(True)
    assert accepted == []


def test_the_same_post_with_its_token_goes_through(archive_with_a_reader):
    """Guards the test above: the 403 came from the missing token, nothing else."""
    client = signed_in(archive_with_a_reader["reader"], enforce_csrf_checks=True)
    client.get(reverse("accounts:display"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("accounts:display"),
        {"csrfmiddlewaretoken": token, "font_size": "150", "font": "serif"}
        | {"line_spacing": "1.60", "text_width": "38", "theme": "dark"},
    )
    assert response.status_code == 302
    archive_with_a_reader["reader"].refresh_from_db()
    assert archive_with_a_reader["reader"].theme == "dark"


def test_logging_in_and_out_need_the_token_too(archive_with_a_reader):
    guest = Client(enforce_csrf_checks=True)
    response = guest.post(reverse("accounts:login"), {"username": "lantern", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in guest.session
    reader = signed_in(archive_with_a_reader["reader"], enforce_csrf_checks=True)
    assert reader.post(reverse("accounts:logout")).status_code == 403
    assert reader.get(reverse("archive:my_bookmarks")).status_code == 200  # still signed in


# ---------------------------------------------------------------------------------------------
# No reader reaches another's private data, whatever id they use.

SECRET_NOTE = "owner-private-note-7f3a"
SECRET_FILTER = "owner-private-filter-91c2"
SECRET_DRAFT = "Owner Private Draft 5d0e"
SECRET_EMAIL = "owner-secret-4b7c@example.com"
SECRET_TOKEN = "owner-token-" + "s" * 31
PUBLIC_NOTE = "owner-public-note-2e8d"


@pytest.fixture
def owner_and_intruder(db):
    owner = make_reader("owner", theme="sepia")
    type(owner).objects.filter(pk=owner.pk).update(email=SECRET_EMAIL)
    intruder = make_reader("intruder")
    read = make_work(title="Read By The Owner", chapters=2)
    public = make_work(title="Publicly Bookmarked", chapters=1)
    draft = make_work(title=SECRET_DRAFT, creator=owner, chapters=1, is_posted=False)
    private = bookmarks.save_bookmark(reader=owner, work=read, notes=SECRET_NOTE, private=True)
    bookmarks.save_bookmark(reader=owner, work=public, notes=PUBLIC_NOTE)
    bookmarks.mark_for_later(reader=owner, work=read)
    reading_history.record_visit(reader=owner, work=read, chapter=read.chapters.first())
    tag = Tag.objects.create(name="Owner Excludes This", kind=TagKind.ADDITIONAL)
    excluded = ExcludedTag.objects.create(reader=owner, tag=tag)
    saved = SavedFilter.objects.create(reader=owner, name=SECRET_FILTER, query="/works/")
    FeedToken.objects.create(reader=owner, key=SECRET_TOKEN)
    owner.consent_choices.create(item="rating:explicit", choice=StandingChoice.SHOW)
    # Every id of the owner's that a URL could take, to try in each place.
    ids = [read.pk, public.pk, draft.pk, private.pk, excluded.pk, saved.pk, owner.pk]
    return {"owner": owner, "intruder": intruder, "ids": ids, "draft": draft}


def owners_rows(owner):
    """What the owner keeps, without the counters that others may rightly change."""
    counters = {"hits", "kudos_count", "public_bookmark_count"}
    works = Work.objects.filter(creator=owner).order_by("pk").values()
    return {
        "reader": [
            {k: v for k, v in row.items() if k != "last_login"}
            for row in type(owner).objects.filter(pk=owner.pk).values()
        ],
        "works": [{k: v for k, v in row.items() if k not in counters} for row in works],
        "chapters": list(Chapter.objects.filter(work__creator=owner).order_by("pk").values()),
        "bookmarks": list(Bookmark.objects.filter(reader=owner).order_by("pk").values()),
        "bookmark tags": list(
            Bookmark.objects.filter(reader=owner).order_by("pk").values_list("tags__name")
        ),
        "readings": list(Reading.objects.filter(reader=owner).order_by("pk").values()),
        "excluded": list(owner.excluded_tags.order_by("pk").values()),
        "filters": list(owner.saved_filters.order_by("pk").values()),
        "consents": list(owner.consent_choices.order_by("pk").values()),
        "token": list(FeedToken.objects.filter(reader=owner).values()),
        "later": list(owner.marked_for_later.order_by("pk").values()),
    }


def id_combinations(route, ids):
    """Each of the owner's ids in every parameter, with real-looking values for the rest."""
    fixed = {"position": 1, "slug": "x", "username": "owner", "token": "intruder-has-no-token"}
    urls = (route.url({name: fixed.get(name, value) for name in route.parameters}) for value in ids)
    return list(dict.fromkeys(urls))


def test_no_page_shows_a_reader_another_readers_private_things(owner_and_intruder):
    world = owner_and_intruder
    client = signed_in(world["intruder"])
    secrets = [SECRET_NOTE, SECRET_FILTER, SECRET_DRAFT, SECRET_EMAIL, SECRET_TOKEN]
    leaks, seen_public = [], False
    for route in site_routes():
        for url in id_combinations(route, world["ids"]):
            response = client.get(url)
            assert response.status_code < 500, url
            text = readable_text(response)
            leaks += [f"{url} shows {secret}" for secret in secrets if secret in text]
            seen_public |= PUBLIC_NOTE in text
    assert leaks == []
    assert seen_public, "the walk never reached the owner's public bookmark"


def test_a_readers_own_pages_list_only_their_own_things(owner_and_intruder):
    client = signed_in(owner_and_intruder["intruder"])
    assert not client.get(reverse("archive:history")).context["page"].object_list
    assert not client.get(reverse("archive:my_bookmarks")).context["page"].object_list
    assert not client.get(reverse("archive:marked_for_later")).context["page"].object_list
    assert not list(client.get(reverse("accounts:saved_filters")).context["filters"])
    assert not list(client.get(reverse("accounts:excluded_tags")).context["excluded"])
    assert not client.get(reverse("archive:my_works")).context["page"].object_list
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert 'data-theme="sepia"' not in page
    form = client.get(reverse("accounts:preferences")).context["form"]
    assert form["rating:explicit"].value() == StandingChoice.ASK
    export = client.get(reverse("accounts:account_export")).content.decode()
    assert "owner" not in export and "Read By The Owner" not in export


def test_no_request_changes_another_readers_private_things(owner_and_intruder):
    world = owner_and_intruder
    before = owners_rows(world["owner"])
    changed = []
    for route in site_routes():
        for url in id_combinations(route, world["ids"]):
            with transaction.atomic():
                # A new client each time: logging out or deleting the account must not
                # turn the intruder into a guest for the requests after it.
                client = signed_in(world["intruder"])
                with statements_that_may_write() as writes:
                    response = client.post(url, FORGED)
                assert response.status_code < 500, url
                if writes and owners_rows(world["owner"]) != before:
                    changed.append(url)
                transaction.set_rollback(True)
    assert changed == []


def test_another_readers_things_are_404_not_403(owner_and_intruder):
    """A 403 would tell the intruder that the id exists."""
    world = owner_and_intruder
    client = signed_in(world["intruder"])
    bookmark, excluded, saved = world["ids"][3:6]
    draft = world["draft"]
    for method, url in [
        ("post", reverse("archive:delete_bookmark", args=[bookmark])),
        ("post", reverse("accounts:include_tag", args=[excluded])),
        ("post", reverse("accounts:delete_filter", args=[saved])),
        ("get", draft.get_absolute_url()),
        ("get", reverse("archive:edit_work", args=[draft.pk])),
        ("post", reverse("archive:delete_work", args=[draft.pk])),
    ]:
        assert getattr(client, method)(url).status_code == 404, url


# ---------------------------------------------------------------------------------------------
# What readers type is escaped or sanitised everywhere it appears.

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"Dangerous {SCRIPT} {IMAGE}"


def dangerous_markup(html):
    """Script elements, event-handler attributes and javascript: links in an HTML document."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for element in document.iter():
        if element.tag == "script" and "alert(1)" in (element.text or ""):
            found.append("a <script> with the payload")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{element.tag} {name}=…>")
            if name in ("href", "src") and value.strip().lower().startswith("javascript:"):
                found.append(f"<{element.tag} {name}={value}>")
    return found


def unsafe_in(response):
    """What in the response would run the payload: in HTML pages, EPUB chapters and in
    Atom and OPDS feeds. JSON is left to its content type (see the test below)."""
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        return []
    text = readable_text(response)
    problems = [raw for raw in (SCRIPT, IMAGE.removeprefix('">')) if raw in text]
    if "html" in content_type or "epub" in content_type:
        problems += dangerous_markup(text)
    elif "xml" in content_type:
        # Atom carries HTML as escaped text in type="html" elements: a feed reader unescapes
        # and renders it, so that inner HTML must be safe as well.
        for element in ElementTree.fromstring(text.encode()).iter():
            if element.get("type") == "html" and element.text:
                problems += dangerous_markup(element.text)
    return problems


@pytest.fixture
def hostile_content(db, client):
    """A work, chapter, tags, a bookmark, a saved filter and a username carrying the payloads,
    entered through the archive's own forms where a form exists."""
    creator = make_reader("poster")
    client.force_login(creator)
    response = client.post(
        reverse("archive:new_work"),
        {
            "title": PAYLOAD,
            "summary": PAYLOAD,
            "rating": "general",
            "warnings": ["no-warnings"],
            "categories": ["gen"],
            "fandoms": f"Fandom {IMAGE}",
            "additional_tags": f"Tag {SCRIPT}",
            "language": "en",
            "notes": PAYLOAD,
            "end_notes": PAYLOAD,
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    work = Work.objects.get(creator=creator)
    response = client.post(
        reverse("archive:new_chapter", args=[work.pk]),
        {"title": PAYLOAD, "summary": PAYLOAD, "notes": PAYLOAD, "body": f"<p>{PAYLOAD}</p>"},
    )
    assert response.status_code == 302
    client.post(reverse("archive:post_work", args=[work.pk]))
    # Usernames from the sign-up form cannot hold markup; one made another way still must
    # not break a page.
    reader = make_reader(IMAGE.replace(" ", ""), choice=StandingChoice.SHOW)
    client.force_login(reader)
    response = client.post(
        reverse("archive:bookmark_work", args=[work.pk]),
        {"notes": PAYLOAD, "tags": f"mine, {IMAGE}"},
    )
    assert response.status_code == 302
    client.post(
        reverse("accounts:save_filter"), {"name": PAYLOAD, "path": "/works/", "query": "q=x"}
    )
    bookmarks.mark_for_later(reader=reader, work=work)
    client.get(work.get_absolute_url())  # into the reader's history
    imported = make_work(title="Imported")
    Work.objects.filter(pk=imported.pk).update(creator_name=PAYLOAD)
    work.refresh_from_db()
    return {"work": work, "imported": imported, "reader": reader, "client": client}


def test_sign_up_refuses_markup_in_usernames(db):
    for username in (SCRIPT, IMAGE):
        response = Client().post(
            reverse("accounts:signup"),
            {"username": username, "email": "x@example.com"}
            | {"password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 200 and response.context["form"].errors["username"]


def test_hostile_text_is_escaped_on_every_page_it_appears(hostile_content):
    work, reader = hostile_content["work"], hostile_content["reader"]
    tags = list(work.tags.all())
    assert len(tags) == 2
    pages = [
        reverse("archive:work_list"),
        reverse("archive:search") + "?q=Dangerous",
        reverse("archive:work_list") + "?" + "&".join(f"tag={t.name}" for t in tags),
        work.get_absolute_url(),
        reverse("archive:chapter_detail", args=[work.pk, 1]),
        reverse("archive:work_entire", args=[work.pk]),
        reverse("archive:work_bookmarks", args=[work.pk]),
        reverse("archive:bookmark_work", args=[work.pk]),
        reverse("archive:reader_bookmarks", args=[reader.username]),
        reverse("archive:my_bookmarks"),
        reverse("archive:marked_for_later"),
        reverse("archive:history"),
        reverse("accounts:saved_filters"),
        reverse("accounts:account"),
        reverse("accounts:account_export"),
        reverse("archive:tag_autocomplete") + "?q=Fandom",
        hostile_content["imported"].get_absolute_url(),
        downloads.download_url(work, "html"),
        downloads.download_url(work, "epub"),
        reverse("archive:feed_works"),
        reverse("archive:opds_latest"),
        reverse("archive:opds_search") + "?q=Dangerous",
    ]
    pages += [tag.get_absolute_url() for tag in tags]
    pages += [reverse("archive:feed_tag", args=[tag.slug]) for tag in tags]
    pages += [reverse("archive:opds_tag", args=[tag.slug]) for tag in tags]
    reader_client = hostile_content["client"]
    creator_client = signed_in(work.creator)
    creator_pages = [
        reverse("archive:my_works"),
        reverse("archive:edit_work", args=[work.pk]),
        reverse("archive:edit_chapter", args=[work.pk, 1]),
    ]
    staff_client = signed_in(make_reader("admin", is_staff=True, is_superuser=True))
    admin_pages = [
        reverse(f"admin:{name}_changelist") + "?q=Dangerous"
        for name in ("archive_work", "archive_chapter", "archive_tag", "archive_bookmark")
    ] + [
        reverse("admin:accounts_reader_changelist"),
        reverse("admin:archive_work_change", args=[work.pk]),
        reverse("admin:archive_chapter_change", args=[work.chapters.get().pk]),
        reverse("admin:archive_bookmark_change", args=[Bookmark.objects.get().pk]),
        reverse("admin:archive_tag_change", args=[tags[0].pk]),
        reverse("admin:accounts_reader_change", args=[reader.pk]),
        reverse("admin:archive_work_delete", args=[work.pk]),
    ]
    unsafe, missing = [], []
    for client, urls in [
        (reader_client, pages),
        (creator_client, creator_pages),
        (staff_client, admin_pages),
    ]:
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            if not re.search("Dangerous|onerror|alert", readable_text(response)):
                missing.append(url)
            unsafe += [f"{url}: {problem}" for problem in unsafe_in(response)]
    assert unsafe == []
    assert missing == []  # the payload really was on every page checked


def test_json_answers_are_never_taken_for_html(hostile_content):
    response = hostile_content["client"].get(reverse("archive:tag_autocomplete"), {"q": "Tag"})
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_checker_finds_what_it_looks_for():
    """Guards the escaping test: unescaped payloads are caught in HTML and in feeds."""
    assert dangerous_markup(f"<p>{SCRIPT}</p>") and dangerous_markup(f"<p title=''{IMAGE}</p>")
    assert dangerous_markup('<a href="javascript:alert(1)">x</a>')
    assert not dangerous_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
