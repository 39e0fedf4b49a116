"""Uploading a .txt, .html or .epub file to make a draft work that only its creator and
staff can see."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from archive.models import Chapter, KeptUpload, Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import ArchiveWarning, Rating, TagKind
from tests.archive.test_formats import TWO_CHAPTERS_HTML, make_epub, zip_of
from tests.factories import make_reader
from tests.test_site import assert_valid_html, count_h1

pytestmark = pytest.mark.django_db

URL = reverse("archive:import_work")

TEXT = """\
The Lantern
Author: Wren

Chapter 1: Dusk

The lantern flickered in the wind.

Chapter 2: Dawn

Morning came slowly over the hills.
"""

FILES = {
    "txt": ("lantern.txt", TEXT.encode()),
    "html": ("lantern.html", TWO_CHAPTERS_HTML.encode()),
    "epub": (
        "lantern.epub",
        make_epub(
            [
                ("c1.xhtml", "Dusk", "<p>The lantern flickered in the wind.</p>"),
                ("c2.xhtml", "Dawn", "<p>Morning came slowly over the hills.</p>"),
            ]
        ),
    ),
}


def upload(client, name, content, *, follow=False, **fields):
    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(URL, data, follow=follow)


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Work, Chapter, Tag, TaggedWork, WorkWarning)
    }


# The form


def test_guest_is_sent_to_log_in(client_for):
    response = client_for(None).get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_guest_upload_is_sent_to_log_in_and_saves_nothing(client_for):
    response = upload(client_for(None), *FILES["txt"])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert Work.objects.count() == 0


def test_form_starts_from_the_strictest_rating_and_no_warning_chosen(
    client_for, creator, django_assert_num_queries
):
    client = client_for(creator)

    # The session, and the reader.
    with django_assert_num_queries(2):
        response = client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'value="not-rated" id="id_rating_4" required checked' in content
    assert content.count(" checked") == 1
    assert 'type="file" name="file"' in content and "required" in content.split('name="file"')[1]


def test_choosing_no_archive_warnings_apply_alone_imports(client_for, creator):
    response = upload(client_for(creator), *FILES["txt"], warnings=[ArchiveWarning.NO_WARNINGS])

    assert response.status_code == 302
    assert Work.objects.get().warning_values == [ArchiveWarning.NO_WARNINGS]


# A form refused for another field keeps its file


def kept_token(response):
    match = re.search(r'name="kept" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def test_a_form_refused_for_its_warnings_keeps_the_file(client_for, creator):
    client = client_for(creator)

    refused = upload(client, *FILES["txt"], warnings=[])

    assert refused.status_code == 400
    content = refused.content.decode()
    assert "“lantern.txt” is kept — choose another to replace it." in content
    token = kept_token(refused)
    assert token and KeptUpload.objects.count() == 1
    # The file input no longer insists on a file.
    assert "required" not in content.split('name="file"')[1].split(">")[0]

    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], "kept": token}
    response = client.post(URL, data)

    assert response.status_code == 302
    work = Work.objects.get()
    assert work.title == "The Lantern"
    assert work.chapters.count() == 2
    assert KeptUpload.objects.count() == 0


def test_a_new_file_replaces_the_kept_one(client_for, creator):
    client = client_for(creator)
    token = kept_token(upload(client, *FILES["txt"], warnings=[]))

    upload(client, *FILES["html"], kept=token, fandoms="Lantern Tales")

    assert Work.objects.get().chapters.get(position=1).body.startswith("<p>The lantern <em>")


def test_a_form_refused_again_keeps_the_same_file(client_for, creator):
    client = client_for(creator)
    token = kept_token(upload(client, *FILES["txt"], warnings=[]))

    again = client.post(URL, {"rating": "spicy", "warnings": ["no-warnings"], "kept": token})

    assert again.status_code == 400
    assert kept_token(again) == token
    assert "“lantern.txt” is kept" in again.content.decode()
    assert KeptUpload.objects.count() == 1


def test_another_readers_kept_file_cannot_be_used(client_for, creator):
    token = kept_token(upload(client_for(creator), *FILES["txt"], warnings=[]))
    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], "kept": token}

    response = client_for(make_reader("another")).post(URL, data)

    assert response.status_code == 400
    assert "The file sent before is no longer kept: choose it again." in response.content.decode()
    assert Work.objects.count() == 0


@pytest.mark.parametrize("token", ["forged", "1", "1:forged"])
def test_a_forged_token_is_refused(client_for, creator, token):
    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], "kept": token}

    response = client_for(creator).post(URL, data)

    assert response.status_code == 400
    assert "no longer kept" in response.content.decode()


def test_a_kept_file_expires_after_an_hour(client_for, creator, monkeypatch):
    client = client_for(creator)
    token = kept_token(upload(client, *FILES["txt"], warnings=[]))
    later = timezone.now() + datetime.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], "kept": token}
    response = client.post(URL, data)

    assert response.status_code == 400
    assert "no longer kept" in response.content.decode()
    # The next file kept clears the expired one.
    upload(client, *FILES["html"], warnings=[])
    assert list(KeptUpload.objects.values_list("name", flat=True)) == ["lantern.html"]


def test_a_file_refused_for_what_it_holds_is_not_kept(client_for, creator):
    response = upload(client_for(creator), "story.txt", b"", warnings=[])

    assert response.status_code == 400
    assert kept_token(response) is None
    assert KeptUpload.objects.count() == 0


def test_a_kept_file_over_the_limit_is_not_kept(client_for, creator, settings):
    settings.IMPORT_MAX_BYTES = 10

    response = upload(client_for(creator), *FILES["txt"], warnings=[])

    assert kept_token(response) is None
    assert KeptUpload.objects.count() == 0


def test_a_kept_file_refused_by_the_importer_is_forgotten(client_for, creator):
    client = client_for(creator)
    token = kept_token(upload(client, "story.html", b"<h1>Only a title</h1>", warnings=[]))

    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS], "kept": token}
    response = client.post(URL, data)

    assert response.status_code == 400
    assert "no story text found" in response.content.decode()
    assert kept_token(response) is None
    assert KeptUpload.objects.count() == 0


# Each type of file


@pytest.mark.parametrize("kind", FILES)
def test_upload_makes_a_draft_for_the_uploader(client_for, creator, kind):
    response = upload(
        client_for(creator), *FILES[kind], fandoms="Lantern Tales", rating=Rating.MATURE
    )

    work = Work.objects.get()
    assert response.status_code == 302
    assert response["Location"] == work.get_absolute_url()
    assert work.title == "The Lantern"
    assert work.is_posted is False
    assert work.creator == creator
    assert work.creator_name == ""
    assert work.rating == Rating.MATURE
    assert work.warning_values == [ArchiveWarning.NO_WARNINGS]
    assert [tag.name for tag in work.fandoms] == ["Lantern Tales"]
    chapters = list(work.chapters.order_by("position"))
    assert [(c.position, c.title) for c in chapters] == [(1, "Dusk"), (2, "Dawn")]
    assert "Morning came slowly over the hills." in chapters[1].body
    assert work.chapter_count == 2
    assert work.word_count == sum(chapter.word_count for chapter in chapters) > 0


def test_creator_lands_on_the_draft_and_reads_it_without_the_interstitial(client_for, creator):
    client = client_for(creator)

    response = upload(client, *FILES["html"], rating=Rating.EXPLICIT, follow=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert "is imported as a draft" in content
    assert "The lantern <em>flickered</em> in the wind." in content
    # The draft's page offers its creator the way to edit and post it.
    work = Work.objects.get()
    assert reverse("archive:edit_work", args=[work.pk]) in content
    assert reverse("archive:post_work", args=[work.pk]) in content


def test_a_file_without_a_title_is_named_after_the_file(client_for, creator):
    upload(client_for(creator), "my_lantern story.html", b"<p>She waited by the door.</p>")

    assert Work.objects.get().title == "my lantern story"


def test_a_plain_file_gives_its_title_byline_and_chapters(client_for, creator):
    text = "The Quiet Shop\n\nby cora\n\nChapter 1\n\nThe bell rang.\n\nChapter 2\n\nShut."

    upload(client_for(creator), "story.txt", text.encode())

    work = Work.objects.get()
    assert work.title == "The Quiet Shop"
    assert work.creator == creator
    assert work.notes == "<p>Credited in the imported file: by cora</p>"
    chapters = list(work.chapters.order_by("position"))
    assert [chapter.body for chapter in chapters] == ["<p>The bell rang.</p>", "<p>Shut.</p>"]


def test_a_byline_naming_the_uploader_adds_no_credit(client_for, creator):
    text = f"The Quiet Shop\nby {creator.username.upper()}\n\nChapter 1\n\nThe bell rang."

    upload(client_for(creator), "story.txt", text.encode())

    assert Work.objects.get().notes == ""


def test_an_existing_fandom_is_reused_whatever_its_case(client_for, creator):
    fandom = Tag.objects.create(name="Lantern Tales", kind=TagKind.FANDOM)

    upload(client_for(creator), *FILES["txt"], fandoms="lantern tales, LANTERN TALES")

    assert list(Work.objects.get().tags.all()) == [fandom]
    assert Tag.objects.count() == 1


# Refusals: a clear message, a 400, and nothing saved


def test_a_file_over_the_limit_is_refused(client_for, creator, settings):
    settings.IMPORT_MAX_BYTES = 100
    before = row_counts()

    response = upload(client_for(creator), "long.txt", TEXT.encode() * 2)

    assert response.status_code == 400
    assert "long.txt: larger than" in response.content.decode()
    assert row_counts() == before


BAD_FILES = {
    "unknown extension": ("story.docx", b"PK\x03\x04", "only .txt, .html and .epub files"),
    "no extension": ("story", TEXT.encode(), "only .txt, .html and .epub files"),
    "corrupt epub": ("story.epub", b"PK\x03\x04 broken", "not an EPUB"),
    "zip that is no epub": ("story.epub", zip_of({"a.txt": "hello"}), "not a readable EPUB"),
    "epub without text": (
        "story.epub",
        make_epub([("c1.xhtml", "One", '<p><img src="a.png" alt=""/></p>')]),
        "no story text found",
    ),
    "html without text": ("story.html", b"<h1>Title</h1><p> </p>", "no story text found"),
    "html that is only a script": (
        "story.htm",
        b"<title>T</title><script>alert(1)</script>",
        "no story text found",
    ),
    "text not in UTF-8": ("story.txt", "Caf\xe9 au lait.".encode("latin-1"), "not UTF-8 text"),
    "empty text": ("story.txt", b"", "The submitted file is empty."),
}


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files_are_refused_with_a_message_and_nothing_saved(
    client_for, creator, name, content, message
):
    before = row_counts()

    response = upload(client_for(creator), name, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


BAD_FIELDS = {
    "no file": ({"file": ""}, "This field is required."),
    "no rating": ({"rating": ""}, "This field is required."),
    "unknown rating": ({"rating": "spicy"}, "Select a valid choice."),
    "no warning": ({"warnings": []}, "This field is required."),
    "no warnings apply with another": (
        {"warnings": [ArchiveWarning.NO_WARNINGS, ArchiveWarning.NON_CON]},
        "cannot be chosen with another warning",
    ),
    "fandom too long": ({"fandoms": "x" * 101}, "longer than 100 characters"),
    "fandom without letters": ({"fandoms": "!!!"}, "needs at least one letter or digit"),
}


@pytest.mark.parametrize(("fields", "message"), BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_bad_fields_are_refused_and_nothing_saved(client_for, creator, fields, message):
    data = {"rating": Rating.TEEN, "warnings": [ArchiveWarning.NO_WARNINGS]}
    data["file"] = SimpleUploadedFile("lantern.txt", TEXT.encode())
    data.update(fields)

    response = client_for(creator).post(URL, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Work.objects.count() == 0


def test_a_fandom_that_is_another_kind_of_tag_is_refused(client_for, creator):
    Tag.objects.create(name="Wren", kind=TagKind.CHARACTER)

    response = upload(client_for(creator), *FILES["txt"], fandoms="Lantern Tales, wren")

    assert response.status_code == 400
    assert "“Wren” is already a Character tag, not a fandom." in response.content.decode()
    assert Work.objects.count() == 0
    assert not Tag.objects.filter(name="Lantern Tales").exists()


def test_a_nul_in_the_file_is_taken_out_rather_than_refused(client_for, creator):
    response = upload(
        client_for(creator), "lantern.txt", TEXT.replace("lantern", "lan\x00tern").encode()
    )

    assert response.status_code == 302
    body = Work.objects.get().chapters.get(position=1).body
    assert body == "<p>The lantern flickered in the wind.</p>"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="smallint limits: PostgreSQL only")
def test_a_file_the_database_refuses_is_a_form_error_not_a_crash(client_for, creator):
    # More chapters than a chapter position can number: PostgreSQL refuses the rows.
    chapters = "".join(f"Chapter {n}\n\nWords.\n\n" for n in range(1, 32770))
    before = row_counts()

    response = upload(client_for(creator), "endless.txt", f"Endless\n\n{chapters}".encode())

    assert response.status_code == 400
    assert "endless.txt: the archive could not store what it holds." in response.content.decode()
    assert row_counts() == before


def test_the_refused_form_is_valid_html_with_one_h1(client_for, creator):
    response = upload(client_for(creator), "story.epub", b"broken", fandoms="x" * 101)

    assert response.status_code == 400
    assert count_h1(response) == 1
    assert_valid_html(response, URL)


def test_markup_in_the_file_name_is_escaped_in_the_error(client_for, creator):
    response = upload(client_for(creator), "<script>alert(1)</script>.docx", b"x")

    assert response.status_code == 400
    assert "<script>alert(1)" not in response.content.decode()


# Who can see the draft


@pytest.fixture
def draft(client_for, creator):
    upload(client_for(creator), *FILES["txt"], rating=Rating.GENERAL)
    return Work.objects.get()


def draft_pages(work):
    """Each page of the draft, with a phrase only its text holds."""
    return {
        work.get_absolute_url(): "The lantern flickered",
        reverse("archive:chapter_detail", args=[work.pk, 2]): "Morning came slowly",
        reverse("archive:work_entire", args=[work.pk]): "Morning came slowly",
    }


@pytest.mark.parametrize("persona", ["creator", "staff"])
def test_the_draft_is_visible_to_its_creator_and_staff(request, client_for, draft, persona):
    client = client_for(request.getfixturevalue(persona))

    for url, text in draft_pages(draft).items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


@pytest.mark.parametrize("persona", ["guest", "reader_show", "another_creator"])
def test_the_draft_is_a_404_for_everyone_else(request, client_for, draft, persona):
    """Whoever they are and whatever they consented to, even with works of their own."""
    if persona == "guest":
        reader = None
    elif persona == "another_creator":
        reader = make_reader("another")
        upload(client_for(reader), *FILES["html"])
    else:
        reader = request.getfixturevalue(persona)
    client = client_for(reader)

    for url in draft_pages(draft):
        assert client.get(url).status_code == 404, url


def test_the_draft_is_left_out_of_other_readers_lists(client_for, draft, reader_show):
    response = client_for(reader_show).get(reverse("archive:work_list"))

    assert draft.get_absolute_url() not in response.content.decode()
