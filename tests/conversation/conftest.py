"""People and a work to talk about, shared by the conversation tests."""

import pytest

from conversation import comments
from conversation.models import WorkCommentSettings
from tests.factories import make_reader, make_work


@pytest.fixture
def author(db):
    return make_reader("author")


@pytest.fixture
def alice(db):
    return make_reader("alice")


@pytest.fixture
def bob(db):
    return make_reader("bob")


@pytest.fixture
def work(author):
    """A two-chapter work anyone may read: comments go on its chapters."""
    return make_work(creator=author, title="Tidewater", chapters=2)


@pytest.fixture
def one_shot(author):
    """A one-chapter work: comments go on the work as a whole."""
    return make_work(creator=author, title="Lantern", chapters=1)


@pytest.fixture
def gated(author):
    return make_work(creator=author, title="Night Shift", rating="explicit", chapters=2)


def settings_for(work, **fields):
    settings = WorkCommentSettings.of(work)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def comment(work, author, text="A comment.", **fields):
    """A comment posted through the archive's own function (chapter 1 unless told)."""
    if "parent" not in fields and "chapter" not in fields and work.chapter_count > 1:
        fields["chapter"] = work.chapters.get(position=1)
    return comments.post_comment(work=work, author=author, body=text, **fields)
