"""Hostile and random values at every route's parameters and every form: never a 5xx, and a
rejected request (4xx, or a form shown again with errors) changes nothing that was saved."""

import datetime
import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ExcludedTag, FeedToken, SavedFilter
from archive import bookmarks, reading_history
from archive.models import Tag
from archive.vocabulary import ConsentItem, StandingChoice, TagKind
from tests.factories import PASSWORD, make_reader, make_work
from tests.sweep import all_routes, saved_rows

PAYLOADS = [
    "\x00",
    "a\x00b",
    "%00",
    "' OR 1=1 --",
    "1; DROP TABLE archive_work; --",
    '"><img src=x onerror=alert(1)>',
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "../../../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "\u202egnp.exe",
    "𝕬𝖗𝖈𝖍𝖎𝖛𝖊 🏳️‍🌈",
    "\ufeff\u200b",
    "\r\nSet-Cookie: x=1",
    "-1",
    "0",
    "99999999999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "0000-00-00",
    "9999-99-99",
    "-2026-01-01",
    "2026-13-45T25:61",
    "x" * 5000,
    "",
    " ",
]
HUGE_INTS = [0, 1, 2**15, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30]
# Query parameters that some page reads, so random values reach real code.
KNOWN_PARAMETERS = [
    "page",
    "q",
    "tag",
    "exclude_tag",
    "rating",
    "exclude_rating",
    "warning",
    "exclude_warning",
    "category",
    "exclude_category",
    "complete",
    "words_from",
    "words_to",
    "updated_from",
    "updated_to",
    "language",
    "sort",
    "show_hidden",
    "more",
    "kind",
    "next",
    "o",
    "p",
    "e",
    "_changelist_filters",
]

hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=60),
    st.text(alphabet=string.printable + "\x00\u0085\u2028", max_size=30),
)
hostile_number = st.one_of(
    st.sampled_from(HUGE_INTS), st.integers(), st.floats(allow_nan=True)
).map(str)
hostile_value = st.one_of(hostile_text, hostile_number)
DATES = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)).map(str)


def budget(examples):
    """Hypothesis settings for tests that run requests against the database."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture
def world(db, settings):
    """Readers with something saved of every kind, so a request has something to lose."""
    # Hypothesis sends hundreds of writes a minute on purpose.
    settings.RATELIMIT_ENABLE = False
    creator = make_reader("maker")
    reader = make_reader("lantern")
    staff = make_reader("keeper", is_staff=True, is_superuser=True)
    posted = make_work(
        title="Quiet Harbour",
        creator=creator,
        chapters=3,
        tags=[("Harbour Tales", TagKind.FANDOM), ("Fluff", TagKind.ADDITIONAL)],
    )
    gated = make_work(title="Storm Season", rating="explicit", warnings=["non-con"], chapters=2)
    draft = make_work(title="Unfinished", creator=creator, chapters=1, is_posted=False)
    bookmark = bookmarks.save_bookmark(
        reader=reader, work=posted, notes="Keep this.", tags=["comfort"], private=True
    )
    bookmarks.mark_for_later(reader=reader, work=gated)
    reading_history.record_visit(reader=reader, work=posted, chapter=posted.chapters.first())
    excluded = ExcludedTag.objects.create(reader=reader, tag=Tag.objects.get(name="Fluff"))
    saved = SavedFilter.objects.create(reader=reader, name="Mine", query="/works/?tag=Fluff")
    token = FeedToken.objects.create(reader=reader, key="k" * 43)
    return {
        # A value for each path parameter that names something that exists.
        "real": {
            "work_id": posted.pk,
            "position": 1,
            "slug": "fluff",
            "token": token.key,
            "username": reader.username,
            "bookmark_id": bookmark.pk,
            "pk": saved.pk,
            "object_id": posted.pk,
        },
        "creator": creator,
        "reader": reader,
        "staff": staff,
        "ints": [posted.pk, gated.pk, draft.pk, bookmark.pk, excluded.pk, saved.pk, 1, 2, 3],
        "strings": [
            "fluff",
            "harbour-tales",
            "lantern",
            "maker",
            token.key,
            str(posted.pk),
            "quiet-harbour",
        ],
    }


def signed_in(reader):
    client = Client()
    if reader is not None:
        client.force_login(reader)
    return client


def send(client, method, url, data):
    """The response to one request, in a savepoint that is rolled back afterwards so each
    example starts from the same archive; fails on any 5xx or on a rejected request that
    changed what was saved."""
    with transaction.atomic():
        before = saved_rows()
        response = getattr(client, method)(url, data)
        status = response.status_code
        assert status < 500, f"{method.upper()} {url} {data!r} answered {status}"
        # A form shown again (200, HTML) to a POST is a rejection; a JSON 200 is not.
        shown_again = method == "post" and status == 200 and "html" in response["Content-Type"]
        rejected = 400 <= status < 500 or shown_again
        if rejected:
            assert saved_rows() == before, f"rejected {method.upper()} {url} {data!r} changed data"
        transaction.set_rollback(True)
    return response


def persona(world, name):
    return None if name == "guest" else world[name]


def path_values(world, route):
    """A strategy for every parameter of the route: existing ids and slugs, or hostility."""
    ints = st.one_of(st.sampled_from(world["ints"]), st.sampled_from(HUGE_INTS), st.integers(0))
    strings = st.one_of(st.sampled_from(world["strings"]), hostile_value)
    return st.fixed_dictionaries(
        {
            name: ints if converter == "int" else strings
            for name, converter in route.parameters.items()
        }
    )


ROUTES = all_routes()
PERSONAS = ["guest", "reader", "creator", "staff"]


# A NUL, a number no column holds, and a long SQL and HTML payload.
CLASSIC = ["a\x00b", 10**30, "' OR 1=1 --<script>alert(1)</script>" + "x" * 3000]
# Of the admin's routes, those that read the path and the query; the rest are Django's own
# forms and are reached by the random test below.
SWEPT = [
    route
    for route in ROUTES
    if route.namespace != "admin" or route.name.endswith(("_changelist", "_change"))
]


def test_every_route_survives_the_classic_hostile_values(world):
    """Each route with the values that break naive code: in every path parameter at once,
    then in the query string of a URL whose parameters name real things."""
    failures = []
    for route in SWEPT:
        client = signed_in(world["staff"] if route.namespace == "admin" else world["reader"])
        real = route.url({name: world["real"].get(name, 1) for name in route.parameters})
        for value in CLASSIC:
            requests = [(real, {"q": value, "page": value, "tag": value, "sort": value})]
            if route.parameters:
                requests.append((route.url(dict.fromkeys(route.parameters, value)), {}))
            for url, data in requests:
                try:
                    send(client, "get", url, data)
                except Exception as error:  # noqa: BLE001 - report every route at once
                    failures.append(f"{route}: {type(error).__name__}: {str(error)[:200]}")
    assert not failures, "\n".join(failures)


@budget(150)
@given(data=st.data())
def test_no_route_fails_on_hostile_path_values_or_query_strings(world, data):
    route = data.draw(st.sampled_from(ROUTES), label="route")
    values = data.draw(path_values(world, route), label="path values")
    names = st.one_of(st.sampled_from(KNOWN_PARAMETERS), hostile_text)
    # A list of pairs, so parameters repeat as they may in a real query string.
    query_values = st.one_of(hostile_value, DATES)
    query = data.draw(st.lists(st.tuples(names, query_values), max_size=6), label="query")
    who = data.draw(st.sampled_from(PERSONAS), label="persona")
    send(signed_in(persona(world, who)), "get", route.url(values), query)


def choices(*valid):
    """A field's valid values, mixed with hostile ones."""
    return st.one_of(st.sampled_from(valid), hostile_value)


RATINGS = choices("general", "teen", "mature", "explicit", "not-rated")
WARNINGS = st.lists(choices("no-warnings", "non-con", "choose-not-to-warn"), max_size=3)
TAGS = st.one_of(hostile_text, st.just("Fluff, Angst"), st.just(",".join(["t"] * 200)))


def file_name(parts):
    """A name the test client can send: browsers send no folders and never an empty name."""
    stem, suffix = parts
    return "f" + stem.replace("/", "_").replace("\\", "_") + suffix


# (route name, path parameters from the world, who posts, the form's fields).
FORMS = [
    (
        "accounts:signup",
        {},
        "guest",
        {
            "username": choices("newcomer", "lantern", "a" * 151),
            "email": choices("new@example.com", "not-an-email"),
            "password1": choices(PASSWORD),
            "password2": choices(PASSWORD),
        },
    ),
    (
        "accounts:login",
        {},
        "guest",
        {"username": choices("lantern"), "password": choices(PASSWORD)},
    ),
    ("accounts:password_reset", {}, "guest", {"email": choices("lantern@example.com")}),
    (
        "archive:consent",
        {"work_id": (0, 1)},
        "reader",
        {
            "items": st.lists(choices(*ConsentItem.values), max_size=3),
            "remember": choices("on"),
            "next": choices("/works/", "https://evil.example/"),
        },
    ),
    (
        "accounts:preferences",
        {},
        "reader",
        {item: choices(*StandingChoice.values) for item in ConsentItem.values[:4]}
        | {"next": choices("/works/", "//evil.example/")},
    ),
    (
        "accounts:display",
        {},
        "reader",
        {
            "font_size": choices("80", "200", "50"),
            "font": choices("serif", "sans"),
            "line_spacing": choices("1.60", "2.40", "1.6"),
            "text_width": choices("38", "120"),
            "theme": choices("dark", "light", "sepia"),
            "reset": st.sampled_from(["", "1"]),
        },
    ),
    (
        "archive:bookmark_work",
        {"work_id": (0, 1, 2)},
        "reader",
        {
            "notes": st.one_of(hostile_text, st.just("n" * 5001)),
            "tags": TAGS,
            "private": choices("on", ""),
            "recommend": choices("on", ""),
        },
    ),
    ("archive:delete_bookmark", {"bookmark_id": (3, 5)}, "reader", {"next": hostile_text}),
    (
        "archive:mark_for_later",
        {"work_id": 0},
        "reader",
        {"action": choices("mark", "unmark"), "next": hostile_text},
    ),
    ("archive:kudos", {"work_id": (0, 1)}, "reader", {"next": hostile_text}),
    (
        "archive:record_place",
        {"work_id": 0},
        "reader",
        {"chapter": choices("1", "2", "40000"), "paragraph": choices("0", "12", "-3")},
    ),
    (
        "archive:switch_history",
        {},
        "reader",
        {"history": choices("on", "off"), "clear": choices("on")},
    ),
    (
        "accounts:exclude_tag",
        {},
        "reader",
        {"name": choices("Fluff", "Harbour Tales"), "next": hostile_text},
    ),
    ("accounts:include_tag", {"pk": (4, 3)}, "reader", {}),
    (
        "accounts:save_filter",
        {},
        "reader",
        {
            "name": choices("Mine", "Other"),
            "path": choices("/works/", "//evil.example/", "/search/"),
            "query": st.one_of(hostile_text, st.just("tag=Fluff&page=2&csrfmiddlewaretoken=x")),
        },
    ),
    ("accounts:delete_filter", {"pk": (5, 4)}, "reader", {}),
    ("accounts:account_delete", {}, "reader", {"password": hostile_text}),
    (
        "accounts:password_change",
        {},
        "reader",
        {
            "old_password": choices(PASSWORD),
            "new_password1": hostile_text,
            "new_password2": hostile_text,
        },
    ),
    (
        "archive:new_work",
        {},
        "creator",
        {
            "title": choices("A Title"),
            "summary": hostile_text,
            "rating": RATINGS,
            "warnings": WARNINGS,
            "category": choices("gen", "f/f"),
            "fandoms": TAGS,
            "relationships": TAGS,
            "characters": TAGS,
            "additional_tags": TAGS,
            "language": choices("en", "pt-BR"),
            "notes": hostile_text,
            "end_notes": hostile_text,
            "complete": choices("on"),
            "expected_chapters": st.one_of(hostile_number, st.sampled_from(["", "0", "3"])),
        },
    ),
    (
        "archive:edit_work",
        {"work_id": 0},
        "creator",
        {
            "title": choices("A New Title"),
            "rating": RATINGS,
            "warnings": WARNINGS,
            "category": choices("gen"),
            "fandoms": TAGS,
            "language": choices("en"),
            "expected_chapters": st.one_of(hostile_number, st.sampled_from(["", "1", "3"])),
        },
    ),
    (
        "archive:new_chapter",
        {"work_id": 2},
        "creator",
        {
            "title": hostile_text,
            "body": st.one_of(hostile_text, st.just("<p>Words here.</p>")),
            "summary": hostile_text,
            "notes": hostile_text,
            "end_notes": hostile_text,
            "preview": choices("1"),
        },
    ),
    (
        "archive:edit_chapter",
        {"work_id": 0, "position": 1},
        "creator",
        {"title": hostile_text, "body": hostile_text, "preview": choices("1")},
    ),
    (
        "archive:move_chapter",
        {"work_id": 0, "position": 2},
        "creator",
        {"direction": choices("up", "down")},
    ),
    ("archive:post_work", {"work_id": 2}, "creator", {}),
    (
        "archive:import_work",
        {},
        "creator",
        {
            "file": st.builds(
                SimpleUploadedFile,
                name=st.tuples(hostile_text, st.sampled_from([".txt", ".html", ".epub", ""])).map(
                    file_name
                ),
                content=st.one_of(st.binary(max_size=300), hostile_text.map(str.encode)),
            ),
            "rating": RATINGS,
            "warnings": WARNINGS,
            "fandoms": TAGS,
        },
    ),
    ("archive:delete_chapter", {"work_id": 0, "position": 3}, "creator", {}),
    ("archive:delete_work", {"work_id": (0, 2)}, "creator", {}),
    ("archive:clear_history", {}, "reader", {}),
    ("accounts:new_feed_token", {}, "reader", {}),
    ("accounts:revoke_feed_token", {}, "reader", {}),
]


def form_url(world, name, parameters, data):
    """The form's URL. Parameters are indexes into world["ints"] (0-2 the works, 3-5 the
    reader's bookmark, excluded tag and saved filter), or a tuple of them to choose from."""
    route = next(route for route in ROUTES if route.name == name)
    values = {}
    for key, index in parameters.items():
        if isinstance(index, tuple):
            index = data.draw(st.sampled_from(index), label=key)
        values[key] = world["ints"][index]
    return route.url(values)


@budget(250)
@given(data=st.data())
def test_hostile_form_posts_never_fail_and_rejections_change_nothing(world, data):
    name, parameters, who, fields = data.draw(st.sampled_from(FORMS), label="form")
    post = data.draw(st.fixed_dictionaries({}, optional=fields), label="fields")
    extra = data.draw(st.dictionaries(hostile_text, hostile_value, max_size=2), label="extra")
    url = form_url(world, name, parameters, data)
    send(signed_in(persona(world, who)), "post", url, extra | post)


def test_a_nul_byte_anywhere_is_a_clean_400(world):
    client = signed_in(world["reader"])
    for method, url, data in [
        ("get", "/works/", {"tag": "a\x00b"}),
        ("get", "/tags/a%00b/", {}),
        ("get", "/tags/autocomplete/", {"q\x00": "x"}),
        ("post", "/filters/save/", {"name": "\x00"}),
    ]:
        response = send(client, method, url, data)
        assert response.status_code == 400
        assert b"<h1>That request could not be understood</h1>" in response.content
    client.cookies["sessionid"] = "a\x00b"
    assert send(client, "get", "/works/", {}).status_code == 400
