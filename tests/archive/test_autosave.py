"""Autosaved chapter text: the creator's editor keeps it on the server, only the creator gets
it back (as an offer to restore on the chapter form), and saving the chapter ends it."""

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import ChapterDraft
from archive.writing import drafts
from tests.factories import make_work
from tests.test_site import assert_valid_html, count_h1

pytestmark = pytest.mark.django_db

TEXT = "<p>Words typed <em>before</em> the connection went.</p>"
OFFER = "An autosaved version from"


class Clock:
    def __init__(self):
        self.moment = datetime.datetime(2026, 6, 1, 14, 0, tzinfo=datetime.UTC)

    def advance(self, **delta):
        self.moment += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.moment)
    return clock


@pytest.fixture
def work(creator):
    """A posted work that needs consent, so a gate that came first would show itself."""
    return make_work(creator=creator, rating="explicit", warnings=["non-con"], chapters=2)


def autosave_url(work, position=None):
    if position is None:
        return reverse("archive:autosave_chapter_new", args=[work.pk])
    return reverse("archive:autosave_chapter", args=[work.pk, position])


def send(client, url, payload, **extra):
    data = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(url, data, content_type="application/json", **extra)


# Saving


@pytest.mark.parametrize("position", [None, 2])
def test_the_creator_autosaves_and_learns_when(client_for, creator, work, clock, position):
    client = client_for(creator)
    first = send(client, autosave_url(work, position), {"body": "<p>One</p>"})
    clock.advance(minutes=1)
    second = send(client, autosave_url(work, position), {"body": TEXT})

    assert first.status_code == second.status_code == 200
    assert first.json() == {"saved_at": "2026-06-01T14:00:00+00:00"}
    assert second.json() == {"saved_at": "2026-06-01T14:01:00+00:00"}
    draft = ChapterDraft.objects.get()  # one draft per chapter, saved over
    assert (draft.creator, draft.work, draft.body) == (creator, work, TEXT)
    assert draft.chapter == (None if position is None else work.chapters.get(position=2))


def test_each_chapter_and_the_new_one_keep_their_own_draft(client_for, creator, work):
    client = client_for(creator)
    for position in (None, 1, 2):
        response = send(client, autosave_url(work, position), {"body": f"<p>{position}</p>"})
        assert response.status_code == 200
    bodies = dict(ChapterDraft.objects.values_list("chapter__position", "body"))
    assert bodies == {None: "<p>None</p>", 1: "<p>1</p>", 2: "<p>2</p>"}


def test_a_draft_follows_its_chapter_when_chapters_move(client_for, creator, work):
    client = client_for(creator)
    send(client, autosave_url(work, 2), {"body": TEXT})
    client.post(reverse("archive:move_chapter", args=[work.pk, 2]), {"direction": "up"})
    response = client.get(edit_url(work, 1) + "?restore=draft")
    assert response.context["form"]["body"].value() == TEXT


def test_the_answer_never_carries_the_text(client_for, creator, work):
    response = send(client_for(creator), autosave_url(work, 1), {"body": TEXT})
    assert "connection" not in response.content.decode()


# Who may: the work's creator alone


@pytest.mark.parametrize("persona", ["reader_ask", "reader_show", "staff"])
@pytest.mark.parametrize("position", [None, 1])
def test_nobody_else_autosaves_into_a_work(request, client_for, work, persona, position):
    client = client_for(request.getfixturevalue(persona))
    assert send(client, autosave_url(work, position), {"body": TEXT}).status_code == 404
    assert not ChapterDraft.objects.exists()


def test_a_guest_is_told_to_log_in_again(client, work):
    response = send(client, autosave_url(work, 1), {"body": TEXT})
    assert response.status_code == 403
    assert "log in again" in response.json()["message"]
    assert not ChapterDraft.objects.exists()


def test_a_chapter_or_work_that_does_not_exist_is_a_404(client_for, creator, work):
    client = client_for(creator)
    assert send(client, autosave_url(work, 3), {"body": TEXT}).status_code == 404
    assert send(client, "/works/987654/chapters/new/autosave/", {"body": TEXT}).status_code == 404


def test_autosaving_takes_only_a_post(client_for, creator, work):
    assert client_for(creator).get(autosave_url(work, 1)).status_code == 405


def test_autosaving_needs_the_csrf_token(creator, work):
    client = Client(enforce_csrf_checks=True)
    client.force_login(creator)
    assert send(client, autosave_url(work, 1), {"body": TEXT}).status_code == 403
    client.get(reverse("archive:edit_chapter", args=[work.pk, 1]))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = send(client, autosave_url(work, 1), {"body": TEXT}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


# What it refuses, saving nothing


@pytest.mark.parametrize(
    "payload",
    ["not json", b"\xff\xfe", "", "[]", '"text"', "null", {"text": TEXT}, {"body": 5}],
)
def test_anything_but_a_body_of_text_is_a_400(client_for, creator, work, payload):
    response = send(client_for(creator), autosave_url(work, 1), payload)
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]
    assert not ChapterDraft.objects.exists()


def test_a_body_longer_than_a_chapter_may_be_is_a_413(client_for, creator, work):
    long = "x" * (drafts.MAX_BODY + 1)
    response = send(client_for(creator), autosave_url(work, 1), {"body": long})
    assert response.status_code == 413
    assert "500,000 characters" in response.json()["message"]
    assert not ChapterDraft.objects.exists()


def test_autosaving_more_than_a_minute_of_writing_needs_is_a_429(client_for, creator, work):
    client = client_for(creator)
    statuses = [
        send(client, autosave_url(work, 1), {"body": f"<p>{n}</p>"}).status_code for n in range(61)
    ]
    assert statuses == [200] * 60 + [429]
    assert ChapterDraft.objects.get().body == "<p>59</p>"  # the refused one changed nothing


def test_a_request_past_the_upload_limit_is_a_413_before_it_is_read(
    client_for, creator, work, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = send(client_for(creator), autosave_url(work, 1), {"body": "x" * 2000})
    assert response.status_code == 413
    assert not ChapterDraft.objects.exists()


def test_the_longest_chapter_is_kept(client_for, creator, work):
    body = "<p>" + "x" * (drafts.MAX_BODY - 7) + "</p>"
    assert send(client_for(creator), autosave_url(work, 1), {"body": body}).status_code == 200
    assert len(ChapterDraft.objects.get().body) == drafts.MAX_BODY


# The offer to restore it, on the chapter form


def edit_url(work, position=None):
    if position is None:
        return reverse("archive:new_chapter", args=[work.pk])
    return reverse("archive:edit_chapter", args=[work.pk, position])


@pytest.mark.parametrize("position", [None, 2])
def test_the_form_offers_newer_autosaved_text(client_for, creator, work, clock, position):
    client = client_for(creator)
    send(client, autosave_url(work, position), {"body": TEXT})
    response = client.get(edit_url(work, position))
    page = response.content.decode()
    assert OFFER in page
    assert (
        '<time datetime="2026-06-01T14:00:00+0000" data-local-time>1 Jun 2026, 14:00</time>' in page
    )
    assert 'href="?restore=draft"' in page
    assert TEXT not in page  # offered, not yet put in the form
    assert count_h1(response) == 1
    assert_valid_html(response, "chapter form with an offer")


@pytest.mark.parametrize("position", [None, 2])
def test_restoring_puts_the_autosaved_text_in_the_form(client_for, creator, work, position):
    client = client_for(creator)
    send(client, autosave_url(work, position), {"body": TEXT})
    response = client.get(edit_url(work, position) + "?restore=draft")
    page = response.content.decode()
    assert OFFER not in page and "is back below" in page
    form = response.context["form"]
    assert form["body"].value() == TEXT
    assert_valid_html(response, "chapter form restored")


@pytest.mark.parametrize("position", [None, 2])
def test_discarding_deletes_the_autosaved_text(client_for, creator, work, position):
    client = client_for(creator)
    send(client, autosave_url(work, position), {"body": TEXT})
    args = [work.pk] if position is None else [work.pk, position]
    name = "discard_chapter_draft_new" if position is None else "discard_chapter_draft"
    response = client.post(reverse(f"archive:{name}", args=args), follow=True)
    assert response.redirect_chain[-1][0] == edit_url(work, position)
    assert "The autosaved text is discarded." in response.content.decode()
    assert OFFER not in response.content.decode()
    assert not ChapterDraft.objects.exists()


def test_autosaved_text_the_same_as_the_chapter_is_not_offered(client_for, creator, work):
    client = client_for(creator)
    chapter = work.chapters.get(position=2)
    send(client, autosave_url(work, 2), {"body": chapter.body})
    assert OFFER not in client.get(edit_url(work, 2)).content.decode()
    send(client, autosave_url(work), {"body": ""})
    assert OFFER not in client.get(edit_url(work)).content.decode()


@pytest.mark.parametrize("position", [None, 2])
def test_saving_the_chapter_deletes_its_autosaved_text(client_for, creator, work, position):
    client = client_for(creator)
    send(client, autosave_url(work, position), {"body": TEXT})
    send(client, autosave_url(work, 1), {"body": "<p>Another chapter's.</p>"})
    data = {"title": "", "summary": "", "notes": "", "end_notes": "", "body": TEXT}
    assert client.post(edit_url(work, position), data).status_code == 302
    assert list(ChapterDraft.objects.values_list("chapter__position", flat=True)) == [1]
    assert OFFER not in client.get(edit_url(work, position or 3)).content.decode()


def test_a_preview_keeps_the_autosaved_text(client_for, creator, work):
    client = client_for(creator)
    send(client, autosave_url(work, 2), {"body": TEXT})
    data = {"title": "", "summary": "", "notes": "", "end_notes": "", "body": TEXT}
    client.post(edit_url(work, 2), {**data, "preview": "1"})
    assert ChapterDraft.objects.exists()


def test_deleting_the_chapter_deletes_its_autosaved_text(client_for, creator, work):
    client = client_for(creator)
    send(client, autosave_url(work, 2), {"body": TEXT})
    client.post(reverse("archive:delete_chapter", args=[work.pk, 2]))
    assert not ChapterDraft.objects.exists()


def test_staff_editing_the_work_never_see_the_creators_autosaved_text(
    client_for, creator, staff, work
):
    send(client_for(creator), autosave_url(work, 2), {"body": TEXT})
    client = client_for(staff)
    for url in (edit_url(work, 2), edit_url(work, 2) + "?restore=draft"):
        page = client.get(url).content.decode()
        assert OFFER not in page and TEXT not in page
        assert "data-autosave" not in page  # nor autosave into the creator's work
    data = {"title": "", "summary": "", "notes": "", "end_notes": "", "body": "<p>Fixed.</p>"}
    client.post(edit_url(work, 2), data)
    assert ChapterDraft.objects.get().body == TEXT  # the creator's own, kept


def test_the_form_autosaves_to_its_own_chapter(client_for, creator, work):
    client = client_for(creator)
    page = client.get(edit_url(work, 2)).content.decode()
    assert f'data-autosave="{autosave_url(work, 2)}"' in page
    assert 'role="status" data-autosave-status' in page
    page = client.get(edit_url(work)).content.decode()
    assert f'data-autosave="{autosave_url(work)}"' in page


def test_the_formatting_help_is_said_once_and_every_text_box_points_to_it(
    client_for, creator, work
):
    client = client_for(creator)
    chapter_page = client.get(edit_url(work, 2)).content.decode()
    work_page = client.get(reverse("archive:edit_work", args=[work.pk])).content.decode()
    for page in (chapter_page, work_page):
        assert page.count("leave a blank line between paragraphs") == 1
        assert page.count('id="formatting-help"') == 1
    assert chapter_page.count('aria-describedby="formatting-help"') == 2  # summary, text
    assert 'aria-describedby="id_notes_helptext formatting-help"' in chapter_page
    assert 'aria-describedby="id_end_notes_helptext formatting-help"' in chapter_page
    assert work_page.count('aria-describedby="formatting-help"') == 3  # summary and notes
