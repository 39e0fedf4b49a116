"""PDF downloads: behind the gate like the EPUB, complete, formatted, in a font that has
every character of the seeds, cached per revision."""

import io
import logging
import unicodedata

import pypdf
import pytest
from django.urls import reverse
from django.utils.html import escape
from fontTools.ttLib import TTFont

from archive.exporting import downloads, pdf
from archive.importing import seeds
from archive.models import Chapter, Work
from archive.vocabulary import TagKind
from archive.writing import posting
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

INTERSTITIAL = "Show me this work"
MISSING_GLYPHS = "missing the following glyphs"


def url(work):
    return downloads.download_url(work, "pdf")


def read(content):
    assert content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(content))


def text_of(document):
    """The document's text, its lines joined by spaces."""
    return " ".join(" ".join(page.extract_text().split()) for page in document.pages)


def outline_titles(document):
    return [item.title for item in document.outline]


def runs(document):
    """(text, font name, size, x) of every piece of text the pages draw."""
    found = []
    for page in document.pages:

        def visit(text, matrix, text_matrix, font, size):
            if text.strip():
                found.append((text.strip(), font["/BaseFont"], size, text_matrix[4]))

        page.extract_text(visitor_text=visit)
    return found


def run_of(document, text):
    return next(run for run in runs(document) if run[0] == text)


def assert_no_file(response, work):
    assert "Content-Disposition" not in response
    assert not response.content.startswith(b"%PDF")
    assert INTERSTITIAL in response.content.decode()
    for position in (1, 2):
        assert body_marker(work.pk, position).encode() not in response.content


# The gate


@pytest.mark.parametrize("persona", ["guest", "reader_ask", "reader_hide"])
def test_without_consent_the_pdf_is_refused_with_the_interstitial(request, client_for, persona):
    reader = None if persona == "guest" else request.getfixturevalue(persona)
    work = make_work(rating="explicit", warnings=["non-con"])
    response = client_for(reader).get(url(work))
    # Not 2xx: a download manager must not save the consent page as the book.
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert 'class="consent-form"' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert_no_file(response, work)


def test_a_cookie_or_a_query_parameter_is_not_agreement(client):
    work = make_work(rating="mature", warnings=["no-warnings"])
    client.cookies["consent"] = "all"
    assert_no_file(client.get(url(work) + "?consent=1"), work)


def test_a_guest_who_agreed_gets_the_pdf(client):
    work = make_work(rating="mature", warnings=["graphic-violence"])
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    response = client.get(url(work))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private"
    assert body_marker(work.pk, 2) in text_of(read(response.content))


@pytest.mark.parametrize("persona", ["reader_show", "creator", "staff"])
def test_readers_who_agreed_in_advance_and_owners_get_the_pdf(request, client_for, persona):
    reader = request.getfixturevalue(persona)
    work = make_work(rating="explicit", warnings=["underage"], creator=reader)
    response = client_for(reader).get(url(work))
    assert response["Content-Type"] == "application/pdf"
    assert body_marker(work.pk, 1) in text_of(read(response.content))


def test_a_draft_or_a_hidden_work_is_not_downloadable_by_others(client_for, creator, staff):
    draft = make_work(creator=creator, is_posted=False)
    hidden = make_work(creator=make_reader("hidden-creator"))
    posting.hide_work(work=hidden, by=staff, reason="Spam.")
    other = client_for(make_reader("other"))
    for work_id in [draft.pk, hidden.pk, draft.pk + 1000]:
        assert other.get(reverse("archive:download_pdf", args=[work_id, "x"])).status_code == 404
    assert client_for(creator).get(url(draft)).status_code == 200
    assert client_for(staff).get(url(hidden)).status_code == 200


def test_only_get_and_head(client):
    work = make_work()
    assert client.post(url(work)).status_code == 405
    assert client.head(url(work)).status_code == 200


def test_the_file_is_named_after_the_title_and_an_old_name_redirects(client):
    work = make_work(title="Ünïcódé Title")
    assert url(work) == f"/works/{work.pk}/download/unicode-title.pdf"
    disposition = client.get(url(work))["Content-Disposition"]
    assert disposition.startswith('attachment; filename="unicode-title.pdf"; filename*=UTF-8')
    old = client.get(reverse("archive:download_pdf", args=[work.pk, "old-title"]))
    assert old.status_code == 302
    assert old["Location"] == url(work)


def test_work_page_links_to_the_pdf_beside_the_epub(client):
    work = make_work(title="Linked")
    content = client.get(work.get_absolute_url()).content.decode()
    assert f'href="{downloads.download_url(work, "epub")}"' in content
    assert f'href="{url(work)}" download>PDF</a>' in content


# Contents


@pytest.fixture
def full_work(full_work):
    """The downloads' full work (tests/archive/conftest.py), its second chapter formatted."""
    work = full_work
    Chapter.objects.filter(work=work, position=2).update(
        body=(
            f"<p>{body_marker(work.pk, 2)} plain <em>slanted</em> <strong>heavy</strong></p>"
            "<h3>Subheading</h3><ul><li>dotted item</li></ul><ol><li>counted item</li></ol>"
            "<blockquote><p>quoted line</p></blockquote><hr><p>after the rule</p>"
        )
    )
    return Work.objects.with_blurb().get(pk=work.pk)


def test_the_metadata_page_chapters_and_end_notes_come_in_order(client, full_work):
    document = read(client.get(url(full_work)).content)
    first_page = " ".join(document.pages[0].extract_text().split())
    for expected in [
        "A Full Work",
        "by Imported Author",
        "Teen And Up Audiences",
        "No Archive Warnings Apply",
        "F/F",
        "Fandom One",
        "A/B",
        "Character C",
        "Fluff",
        "Words",
        "2/2 (complete)",
        "2026-01-01",
    ]:
        assert expected in first_page, expected
    text = text_of(document)
    order = [
        "Summary The summary & more.",
        "Notes Work notes.",
        "Chapter 1: Part 1",
        "Chapter summary.",
        "Chapter notes.",
        body_marker(full_work.pk, 1),
        "Chapter end notes.",
        "Chapter 2: Part 2",
        body_marker(full_work.pk, 2),
        "End notes Work end notes.",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert f"http://testserver/works/{full_work.pk}/" in text


def test_the_outline_lists_the_title_page_each_chapter_and_the_end_notes(client, full_work):
    document = read(client.get(url(full_work)).content)
    assert outline_titles(document) == [
        "A Full Work",
        "Chapter 1: Part 1",
        "Chapter 2: Part 2",
        "End notes",
    ]
    # Each chapter starts a page, where its outline entry leads.
    pages = [document.get_destination_page_number(item) for item in document.outline]
    assert pages == sorted(set(pages))
    assert "Chapter 2: Part 2" in document.pages[pages[2]].extract_text()


def test_the_document_info_names_the_work(client, full_work):
    info = read(client.get(url(full_work)).content).metadata
    assert info.title == "A Full Work"
    assert info.author == "Imported Author"
    assert info.subject == "The summary & more."
    assert info["/Keywords"] == "Fandom One, A/B, Character C, Fluff"
    assert info.creation_date.date() == full_work.updated


def test_the_creators_formatting_is_kept(client, full_work):
    document = read(client.get(url(full_work)).content)
    plain = run_of(document, body_marker(full_work.pk, 2) + " plain")
    assert plain[1].endswith("DejaVuSerifBook")
    assert run_of(document, "slanted")[1].endswith("DejaVuSerifItalic")
    assert run_of(document, "heavy")[1].endswith("DejaVuSerifBold")
    heading = run_of(document, "Subheading")
    assert heading[1].endswith("DejaVuSerifBold") and heading[2] > plain[2]
    assert run_of(document, "•")
    assert run_of(document, "1.")
    # Items and quotes are indented from the text's margin.
    assert run_of(document, "dotted item")[3] > plain[3]
    assert run_of(document, "quoted line")[3] > plain[3]
    # The rule is a line drawn across the page: a path stroked between two points.
    last_page = document.pages[document.get_destination_page_number(document.outline[2])]
    assert b" l S" in last_page.get_contents().get_data()


def test_a_one_chapter_work_has_no_chapter_heading(client):
    work = make_work(title="Brief", chapters=1, complete=True)
    Chapter.objects.filter(work=work).update(title="")
    document = read(client.get(url(work)).content)
    assert "Chapter 1" not in text_of(document)
    assert outline_titles(document) == ["Brief", "Brief"]


def test_control_characters_in_metadata_do_not_break_the_file(client):
    work = make_work(title="Bell\x07", tags=[("Odd\x0cTag", TagKind.ADDITIONAL)])
    document = read(client.get(url(work)).content)
    assert document.metadata.title == "Bell"
    assert "OddTag" in text_of(document)


@pytest.mark.parametrize(
    "body",
    [
        "<ul><li>deep" * 60 + "</li></ul>" * 60,
        "<ol><li>deep" * 60 + "</li></ol>" * 60,
        "<blockquote>" * 60 + "<p>deep</p>" + "</blockquote>" * 60,
        "<blockquote><ul><li>" * 20 + "deep" + "</li></ul></blockquote>" * 20,
        "<p>" + "deep" * 2000 + "</p>",
        "<h3>deep <blockquote>quote</blockquote></h3><li>stray</li><ul>loose</ul>",
        "<ul><li><p>deep</p><p>second</p></li></ul><hr><br><p></p>",
    ],
    ids=["lists", "numbered", "quotes", "mixed", "long-word", "misplaced", "paragraphs"],
)
def test_any_sanitised_structure_lays_out(client, body):
    work = make_work(chapters=1)
    Chapter.objects.filter(work=work).update(body=body)
    response = client.get(url(work))
    assert response.status_code == 200
    assert "deep" in text_of(read(response.content))


# The font


def seed_characters(works):
    """Every character the seed works hold: their texts and the metadata they were given."""
    paths = seeds.seed_paths()
    texts = [path.read_text(encoding="utf-8") for path in paths]
    texts += [path.with_suffix(".toml").read_text(encoding="utf-8") for path in paths]
    for work in works:
        texts += [work.title, work.creator_display, work.summary, work.notes, work.end_notes]
        texts += [tag.name for tag in work.tags.all()]
        for chapter in work.chapters.all():
            texts += [chapter.title, chapter.summary, chapter.notes, chapter.body]
    return {char for text in texts for char in text if unicodedata.category(char) != "Cc"}


def test_every_face_of_the_font_has_every_character_of_the_seeds(seeded):
    characters = seed_characters(seeded)
    assert {"\u201c", "\u2019", "\u2026", "\u016b", "\xa0"} <= characters
    for file_name in pdf.FONT_FILES.values():
        cmap = TTFont(pdf.FONT_DIR / file_name).getBestCmap()
        assert sorted(char for char in characters if ord(char) not in cmap) == [], file_name


def test_every_character_of_the_seeds_is_drawn_in_every_face(seeded, client, caplog):
    characters = sorted(char for char in seed_characters(seeded) if not char.isspace())
    line = escape(" ".join(characters))
    work = make_work(title=f"All of {len(characters)}", chapters=1)
    Chapter.objects.filter(work=work).update(
        title=line,  # in the bold of the headings
        body=f"<p>{line}</p><p><em>{line}</em></p><p><strong><em>{line}</em></strong></p>",
    )
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        text = text_of(read(client.get(url(work)).content))
    assert MISSING_GLYPHS not in caplog.text
    assert [char for char in characters if char not in text] == []
    assert (pdf.FONT_DIR / "LICENSE").is_file()


def test_a_character_the_font_lacks_is_logged_not_an_error(client, caplog):
    work = make_work(title="日本語")
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        assert client.get(url(work)).status_code == 200
    assert MISSING_GLYPHS in caplog.text


# Caching and queries


def test_the_pdf_is_built_once_per_revision(client, django_assert_num_queries):
    work = make_work(chapters=1)
    first = client.get(url(work)).content
    Chapter.objects.filter(work=work).update(body="<p>Rewritten.</p>")
    # session-free guest: work (with creator; its warnings come with it), its tags; the file
    # comes from the cache, so the chapters are not read
    with django_assert_num_queries(2):
        cached = client.get(url(work)).content
    assert cached == first
    Work.objects.filter(pk=work.pk).update(revision=2)
    assert "Rewritten." in text_of(read(client.get(url(work)).content))


def test_pdf_query_count_for_a_reader(client_for, reader_show, django_assert_num_queries):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=3)
    client = client_for(reader_show)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), work (with
    # creator and its warnings), tags, chapters
    with django_assert_num_queries(5):
        response = client.get(url(work))
    assert response.status_code == 200
