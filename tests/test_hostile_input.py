"""Hostile and random values at every route's parameters and every form: never a 5xx, and a
rejected request (4xx, or a form shown again with errors) changes nothing that was saved."""

import datetime
import string
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ExcludedTag, FeedToken, SavedFilter
from archive.models import Tag
from archive.reading import bookmarks
from archive.reading import history as reading_history
from archive.vocabulary import ConsentItem, StandingChoice, TagKind
from tests.factories import PASSWORD, make_reader, make_work
from tests.sweep import all_routes, saved_rows, statements_that_may_write

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


def budget(times):
    """Hypothesis settings for tests that run requests against the database: `times` the
    examples of the profile (tests/conftest.py), for inputs that vary more than most."""
    return settings(
        max_examples=times * settings().max_examples,
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
    fandom, fluff = Tag.objects.get(name="Harbour Tales"), Tag.objects.get(name="Fluff")
    reset_token = default_token_generator.make_token(reader)
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
            # The reader's password reset link, and the address it redirects to.
            "uidb64": urlsafe_base64_encode(force_bytes(reader.pk)),
            "reset_token": reset_token,
            "set_password": "set-password",
        },
        "shown": {},
        "creator": creator,
        "reader": reader,
        "staff": staff,
        # Each persona signs in once, before anything is read: every request is rolled back
        # (see send), so what is saved before each request is the same, and read once.
        "sessions": {
            "reader": session_of(reader),
            "creator": session_of(creator),
            "staff": session_of(staff),
            # A guest who followed the reader's password reset link, with the token in the
            # session as Django's confirm view leaves it.
            "resetting": session_of(None, {INTERNAL_RESET_SESSION_TOKEN: reset_token}),
        },
        "saved": None,
        "ints": [posted.pk, gated.pk, draft.pk, bookmark.pk, excluded.pk, saved.pk, 1, 2, 3]
        + [fandom.pk, fluff.pk, posted.chapters.first().pk],
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


def session_of(reader, values=()):
    """The key of a new session, signed in as `reader` (or a guest's) and holding `values`."""
    client = Client()
    if reader is not None:
        client.force_login(reader)
    session = client.session
    session.update(values)
    session.save()
    return session.session_key


def client_as(world, name):
    """A new client for the persona ("guest", or a name in world["sessions"]), carrying the
    session it signed in with."""
    client = Client()
    if name != "guest":
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world["sessions"][name]
    return client


# What a rejected request saves on purpose: the import form keeps the file sent with it, so
# that it need not be chosen again (archive.importing.kept).
SAVED_ON_REJECTION = {"archive.KeptUpload"}


def saved_rows_but_kept():
    return {label: rows for label, rows in saved_rows().items() if label not in SAVED_ON_REJECTION}


def send(world, client, method, url, data, **headers):
    """The response to one request, in a savepoint that is rolled back afterwards so each
    request starts from the same archive; fails on any 5xx or on a rejected request that
    changed what was saved."""
    if world["saved"] is None:
        world["saved"] = saved_rows_but_kept()
    with transaction.atomic():
        with statements_that_may_write() as writes:
            response = getattr(client, method)(url, data, **headers)
        status = response.status_code
        assert status < 500, f"{method.upper()} {url} {data!r} answered {status}"
        # A form shown again (200, HTML) to a POST is a rejection; a JSON 200 is not.
        shown_again = method == "post" and status == 200 and "html" in response["Content-Type"]
        rejected = 400 <= status < 500 or shown_again
        if rejected and writes:
            assert saved_rows_but_kept() == world["saved"], (
                f"rejected {method.upper()} {url} {data!r} changed data"
            )
        transaction.set_rollback(True)
    return response


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


def test_the_sweeps_see_every_write_and_only_writes(world):
    """Guards the checks below, which compare what is saved only after a request that ran
    a statement that may write."""
    reader = client_as(world, "reader")
    with transaction.atomic():
        with statements_that_may_write() as writes:
            reader.get(reverse("archive:work_list"))
        assert writes == []
        with statements_that_may_write() as writes:
            reader.post(reverse("archive:kudos", args=[world["real"]["work_id"]]))
        assert any(sql.lstrip().upper().startswith("INSERT") for sql in writes), writes
        transaction.set_rollback(True)


def test_every_route_survives_the_classic_hostile_values(world):
    """Each route with the values that break naive code: in every path parameter at once,
    then in the query string of a URL whose parameters name real things."""
    failures = []
    for route in SWEPT:
        client = client_as(world, "staff" if route.namespace == "admin" else "reader")
        real = route.url({name: world["real"].get(name, 1) for name in route.parameters})
        for value in CLASSIC:
            requests = [(real, {"q": value, "page": value, "tag": value, "sort": value})]
            if route.parameters:
                requests.append((route.url(dict.fromkeys(route.parameters, value)), {}))
            for url, data in requests:
                try:
                    send(world, client, "get", url, data)
                except Exception as error:  # noqa: BLE001 - report every route at once
                    failures.append(f"{route}: {type(error).__name__}: {str(error)[:200]}")
    assert not failures, "\n".join(failures)


@budget(2)
@given(data=st.data())
def test_no_route_fails_on_hostile_path_values_or_query_strings(world, data):
    route = data.draw(st.sampled_from(ROUTES), label="route")
    values = data.draw(path_values(world, route), label="path values")
    names = st.one_of(st.sampled_from(KNOWN_PARAMETERS), hostile_text)
    # A list of pairs, so parameters repeat as they may in a real query string.
    query_values = st.one_of(hostile_value, DATES)
    query = data.draw(st.lists(st.tuples(names, query_values), max_size=6), label="query")
    who = data.draw(st.sampled_from(PERSONAS), label="persona")
    send(world, client_as(world, who), "get", route.url(values), query)


def as_wsgi(text):
    """A header as a WSGI server hands it on: the bytes the client sent (UTF-8 here), each
    byte one character (PEP 3333)."""
    return text.encode("utf-8").decode("latin-1")


HOSTS = st.one_of(
    st.sampled_from(["testserver", "localhost", "127.0.0.1", "[::1]", "testserver:8000"]),
    st.sampled_from(["evil.example", "203.0.113.9", "[2001:db8::1]", "a" * 300, "x:99999"]),
    hostile_text,
)
COOKIE_NAMES = st.sampled_from(["sessionid", "csrftoken", "display", "messages"])
COOKIES = st.one_of(
    hostile_text,
    st.lists(st.tuples(st.one_of(COOKIE_NAMES, hostile_text), hostile_value), max_size=4).map(
        lambda pairs: "; ".join(f"{name}={value}" for name, value in pairs)
    ),
)
ACCEPTS = st.one_of(
    st.sampled_from(["application/json", "text/html", "*/*", "application/json;q=x, */*;q=2"]),
    hostile_text,
)


HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_HOST": HOSTS.map(as_wsgi),
        "HTTP_COOKIE": COOKIES.map(as_wsgi),
        "HTTP_ACCEPT": ACCEPTS.map(as_wsgi),
    },
)


@budget(1)
@given(data=st.data())
def test_no_route_fails_on_hostile_host_cookie_or_accept_headers(world, data):
    route = data.draw(st.sampled_from(SWEPT), label="route")
    url = route.url({name: world["real"].get(name, 1) for name in route.parameters})
    headers = data.draw(HEADERS, label="headers")
    who = data.draw(st.sampled_from(PERSONAS), label="persona")
    send(world, client_as(world, who), "get", url, {}, **headers)


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


@dataclass(frozen=True)
class Saved:
    """A field naming things the world saved, by indexes into world["ints"] (see form_url):
    one of them, or hostility unless `hostile` is off; a list of such values when `many`."""

    indexes: tuple
    many: bool = False
    hostile: bool = True

    def strategy(self, world):
        value = st.sampled_from([str(world["ints"][index]) for index in self.indexes])
        if self.hostile:
            value = st.one_of(value, hostile_value)
        return st.lists(value, max_size=3) if self.many else value


NEW_PASSWORD = "a new and long passphrase 42"
INLINE_COUNT = st.one_of(hostile_number, st.sampled_from(["0", "1", "2", "3"]))

# (route name, path parameters from the world, who posts, the form's fields). Admin forms are
# sent as the page shows them, with these fields changed: see shown_form.
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
    ("accounts:logout", {}, "reader", {"next": choices("/works/", "//evil.example/")}),
    (
        "accounts:password_reset_confirm",
        {"uidb64": "uidb64", "token": ("reset_token", "set_password")},
        "resetting",
        {"new_password1": choices(NEW_PASSWORD), "new_password2": choices(NEW_PASSWORD)},
    ),
    (
        "admin:archive_tag_changelist",
        {},
        "staff",
        {
            "action": choices("merge", "make_synonyms"),
            "_selected_action": Saved((9, 10), many=True),
            "apply": st.just("1"),
            "target": choices("Fluff", "Harbour Tales", "fluff"),
            "select_across": choices("0", "1"),
        },
    ),
    (
        "admin:archive_work_change",
        {"object_id": 0},
        "staff",
        {
            "title": choices("A New Title"),
            "summary": hostile_text,
            "rating": RATINGS,
            "language": choices("en"),
            "expected_chapters": st.one_of(hostile_number, st.sampled_from(["", "3"])),
            "warnings-TOTAL_FORMS": INLINE_COUNT,
            "warnings-0-warning": choices("no-warnings", "non-con", "choose-not-to-warn"),
            "warnings-0-DELETE": choices("on"),
            "tagged-TOTAL_FORMS": INLINE_COUNT,
            "tagged-0-tag": Saved((9, 10)),
            "tagged-1-tag": Saved((9, 10)),
            "tagged-0-DELETE": choices("on"),
            "chapters-TOTAL_FORMS": INLINE_COUNT,
            "chapters-0-position": choices("1", "2", "3", "40000"),
            "chapters-0-body": st.one_of(hostile_text, st.just("<p>New words.</p>")),
            "chapters-0-published": st.one_of(DATES, hostile_text),
            "chapters-1-DELETE": choices("on"),
            "chapters-3-body": hostile_text,
        },
    ),
    (
        "admin:archive_chapter_change",
        {"object_id": 11},
        "staff",
        {
            "work": Saved((0, 1, 2)),
            "position": choices("1", "2", "3", "40000"),
            "title": hostile_text,
            "body": st.one_of(hostile_text, st.just("<p>New words.</p>")),
            "published": st.one_of(DATES, hostile_text),
        },
    ),
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
            "categories": choices("gen", "f/f"),
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
            "categories": choices("gen"),
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
            "when": choices("now", "draft", "scheduled"),
            "post_at": st.one_of(hostile_text, st.sampled_from(["2099-01-01T10:00"])),
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
    ("archive:post_chapter", {"work_id": 0, "position": (0, 2)}, "creator", {}),
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
            "kept": hostile_text,
            "rating": RATINGS,
            "warnings": WARNINGS,
            "fandoms": TAGS,
        },
    ),
    (
        "archive:import_many",
        {},
        "creator",
        {
            "files": st.lists(
                st.builds(
                    SimpleUploadedFile,
                    name=st.tuples(hostile_text, st.sampled_from([".txt", ".html", ""])).map(
                        file_name
                    ),
                    content=st.one_of(st.binary(max_size=200), hostile_text.map(str.encode)),
                ),
                max_size=3,
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
    reader's bookmark, excluded tag and saved filter, 9-10 two tags, 11 a chapter) or names
    in world["real"], or a tuple of them to choose from."""
    route = next(route for route in ROUTES if route.name == name)
    values = {}
    for key, index in parameters.items():
        if isinstance(index, tuple):
            index = data.draw(st.sampled_from(index), label=key)
        values[key] = world["real"][index] if isinstance(index, str) else world["ints"][index]
    return route.url(values)


class _FormFields(HTMLParser):
    """The fields a browser would send from the form with the given id (a QueryDict-like
    dict of lists): text and hidden inputs, ticked boxes, chosen options, text areas, and
    the first submit button, as if pressed ("Save", or the actions' "Go")."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.select = self.textarea = None
        self.pressed = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        name = attrs.get("name", "")
        if not self.inside or "__prefix__" in name:
            return
        kind = attrs.get("type", "submit" if tag == "button" else "text")
        if tag in ("input", "button") and kind == "submit":
            if name and not self.pressed:
                self.pressed = True
                self.fields[name] = [attrs.get("value") or ""]
        elif tag == "input" and name and self._sent(kind, attrs):
            self.fields.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.setdefault(self.select, []).append(attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = [""]

    def _sent(self, kind, attrs):
        if kind in ("checkbox", "radio"):
            return "checked" in attrs
        return kind not in ("button", "image", "reset", "file")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea][-1] += data


def shown_form(world, client, url):
    """The admin form at `url` as its page shows it, to be sent back changed. Each example
    starts from the same archive, so the page is read once."""
    if url not in world["shown"]:
        model = url.strip("/").split("/")[2]
        changelist = url.endswith(f"/{model}/")
        parser = _FormFields("changelist-form" if changelist else f"{model}_form")
        parser.feed(send(world, client, "get", url, {}).content.decode())
        world["shown"][url] = parser.fields
    return world["shown"][url]


@budget(4)
@given(data=st.data())
def test_hostile_form_posts_never_fail_and_rejections_change_nothing(world, data):
    name, parameters, who, fields = data.draw(st.sampled_from(FORMS), label="form")
    fields = {
        key: value.strategy(world) if isinstance(value, Saved) else value
        for key, value in fields.items()
    }
    post = data.draw(st.fixed_dictionaries({}, optional=fields), label="fields")
    extra = data.draw(st.dictionaries(hostile_text, hostile_value, max_size=2), label="extra")
    url = form_url(world, name, parameters, data)
    # Now and then with hostile headers too: a bad Host or cookie must reject the form.
    headers = data.draw(st.one_of(st.just({}), HEADERS), label="headers")
    client = client_as(world, who)
    shown = shown_form(world, client, url) if name.startswith("admin:") else {}
    send(world, client, "post", url, shown | extra | post, **headers)


def test_a_nul_byte_anywhere_is_a_clean_400(world):
    client = client_as(world, "reader")
    for method, url, data in [
        ("get", "/works/", {"tag": "a\x00b"}),
        ("get", "/tags/a%00b/", {}),
        ("get", "/tags/autocomplete/", {"q\x00": "x"}),
        ("post", "/filters/save/", {"name": "\x00"}),
    ]:
        response = send(world, client, method, url, data)
        assert response.status_code == 400
        assert b"<h1>That request could not be understood</h1>" in response.content
    client.cookies["sessionid"] = "a\x00b"
    assert send(world, client, "get", "/works/", {}).status_code == 400


# Two holes in Django's admin that the hypothesis tests above found, left to archive/admin.py
# to close: each answers a value that is no id with a 500. Strict, so they say when fixed.


def test_a_selected_object_that_is_no_id_is_refused_cleanly(world):
    client = client_as(world, "staff")
    data = {"action": "merge", "_selected_action": ["not-an-id"], "index": "0"}
    assert send(world, client, "post", "/admin/archive/tag/", data).status_code < 500


def test_an_autocomplete_value_that_is_no_id_is_refused_cleanly(world):
    client = client_as(world, "staff")
    chapter = world["ints"][11]
    url = f"/admin/archive/chapter/{chapter}/change/"
    data = shown_form(world, client, url) | {"work": "not-an-id"}
    assert send(world, client, "post", url, data).status_code < 500


@pytest.mark.parametrize("value", HUGE_INTS)
def test_an_id_too_large_for_the_column_is_refused_cleanly(world, value):
    """A number is an id only within the column's range: past it the driver, not the form,
    refused it (SQLite's 'too large to convert', PostgreSQL's out-of-range), a rare draw that
    made the form test above fail now and then."""
    client = client_as(world, "staff")
    chapter = world["ints"][11]
    url = f"/admin/archive/chapter/{chapter}/change/"
    data = shown_form(world, client, url) | {"work": str(value)}
    assert send(world, client, "post", url, data).status_code < 500
    data = {"action": "merge", "_selected_action": [str(value)], "index": "0"}
    assert send(world, client, "post", "/admin/archive/tag/", data).status_code < 500
