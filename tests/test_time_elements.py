"""Every <time datetime> a page prints is a valid HTML date or date and time (whole seconds:
HTML allows at most three digits of a second, and a page needs none)."""

import datetime
import re

import pytest
from django.urls import reverse

from archive.models import Bookmark
from archive.reading import bookmarks, history
from conversation import comments
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

DATE = r"\d{4}-\d{2}-\d{2}"
DATETIME = DATE + r"T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})"


def datetime_values(content):
    values = re.findall(r'<time datetime="([^"]*)"', content)
    assert values, "the page prints no <time datetime>"
    return values


def assert_valid(values):
    for value in values:
        assert re.fullmatch(f"{DATE}|{DATETIME}", value), value
        if "T" in value:
            moment = datetime.datetime.fromisoformat(value)
            assert moment.tzinfo is not None and moment.microsecond == 0, value
        else:
            datetime.date.fromisoformat(value)


def test_comment_pages_print_valid_times(client_for):
    author, reader = make_reader("author"), make_reader("talker")
    work = make_work(creator=author, chapters=1)
    first = comments.post_comment(work=work, body="A first thought.", author=reader)
    reply = comments.post_comment(work=work, body="An answer.", author=author, parent=first)
    client = client_for(reader)
    pages = [
        reverse("conversation:work_comments", args=[work.pk]),
        reverse("conversation:reply", args=[work.pk, reply.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_valid(datetime_values(response.content.decode()))
    inbox = client.get(reverse("conversation:inbox")).content.decode()
    assert_valid(datetime_values(inbox))


def test_history_and_bookmark_pages_print_valid_times(client_for):
    reader = make_reader("returning")
    work = make_work(chapters=2)
    history.record_visit(reader=reader, work=work, chapter=work.chapters.last())
    bookmarks.save_bookmark(reader=reader, work=work)
    assert Bookmark.objects.filter(reader=reader).exists()
    client = client_for(reader)
    for page in [
        reverse("archive:history"),
        reverse("archive:my_bookmarks"),
        reverse("archive:work_list"),
        work.get_absolute_url(),
    ]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_valid(datetime_values(response.content.decode()))
