"""EPUB and HTML downloads: behind the gate, complete, well-formed, cached per revision."""

import io
import os
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import html5lib
import pytest
from django.core.cache import cache
from django.urls import reverse

from archive.exporting import downloads
from archive.models import Chapter, Work
from archive.vocabulary import TagKind
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

INTERSTITIAL = "Show me this work"
# CI sets this so that a missing epubcheck fails the suite instead of skipping.
REQUIRE_EPUBCHECK = "REQUIRE_EPUBCHECK"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Work ids repeat between tests, so no test may find another's cached file."""
    cache.clear()
    yield
    cache.clear()


def url(work, kind):
    return downloads.download_url(work, kind)


def epub_documents(content):
    """{file name: text} of every XHTML document in an EPUB."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return {
            name: book.read(name).decode() for name in book.namelist() if name.endswith(".xhtml")
        }


def assert_no_file(response, work):
    content = response.content
    assert "Content-Disposition" not in response
    assert not content.startswith(b"PK")
    assert INTERSTITIAL in content.decode()
    for position in (1, 2):
        assert body_marker(work.pk, position).encode() not in content


# The gate


@pytest.mark.parametrize("kind", ["epub", "html"])
@pytest.mark.parametrize("persona", ["guest", "reader_ask", "reader_hide"])
def test_without_consent_the_download_is_refused_with_the_interstitial(
    request, client_for, kind, persona
):
    reader = None if persona == "guest" else request.getfixturevalue(persona)
    work = make_work(rating="explicit", warnings=["non-con"])
    response = client_for(reader).get(url(work, kind))
    # Not 2xx: a download manager must not save the consent page as the book.
    assert response.status_code == 403
    assert "Content-Disposition" not in response
    assert response["Content-Type"].startswith("text/html")
    assert 'class="consent-form"' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert_no_file(response, work)


@pytest.mark.parametrize("kind", ["epub", "html"])
def test_a_guest_never_gets_a_gated_file_whatever_the_warning(client, kind):
    for rating, warning in [
        ("general", "graphic-violence"),
        ("teen", "choose-not-to-warn"),
        ("mature", "no-warnings"),
        ("not-rated", "no-warnings"),
    ]:
        work = make_work(rating=rating, warnings=[warning])
        assert_no_file(client.get(url(work, kind)), work)
        # A cookie or a query parameter is not agreement.
        client.cookies["consent"] = "all"
        assert_no_file(client.get(url(work, kind) + "?consent=1"), work)


@pytest.mark.parametrize("kind", ["epub", "html"])
def test_a_guest_who_agreed_gets_the_file(client, kind):
    work = make_work(rating="mature", warnings=["graphic-violence"])
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    response = client.get(url(work, kind))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private"


@pytest.mark.parametrize("persona", ["reader_show", "creator", "staff"])
def test_readers_who_agreed_in_advance_and_owners_get_the_file(request, client_for, persona):
    reader = request.getfixturevalue(persona)
    work = make_work(rating="explicit", warnings=["underage"], creator=reader)
    response = client_for(reader).get(url(work, "epub"))
    assert response["Content-Type"] == "application/epub+zip"
    assert response.content.startswith(b"PK")


def test_works_needing_no_consent_download_for_everyone(client):
    work = make_work()
    epub = client.get(url(work, "epub"))
    html = client.get(url(work, "html"))
    assert epub["Content-Type"] == "application/epub+zip"
    assert body_marker(work.pk, 2) in "".join(epub_documents(epub.content).values())
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert body_marker(work.pk, 2) in html.content.decode()


def test_another_readers_draft_cannot_be_downloaded_whatever_the_id(client_for, creator):
    draft = make_work(creator=creator, is_posted=False)
    other = client_for(make_reader("other"))
    for work_id in [draft.pk, draft.pk + 1000]:
        for kind in ["epub", "html"]:
            path = reverse(f"archive:download_{kind}", args=[work_id, "anything"])
            assert other.get(path).status_code == 404
    assert client_for(creator).get(url(draft, "epub")).status_code == 200


def test_only_get_and_head(client):
    work = make_work()
    assert client.post(url(work, "epub")).status_code == 405
    assert client.head(url(work, "epub")).status_code == 200


# File names


def test_file_name_follows_the_title_with_a_unicode_form(client):
    work = make_work(title="Ünïcódé: 日本語 Title!")
    assert url(work, "epub") == f"/works/{work.pk}/download/unicode-title.epub"
    disposition = client.get(url(work, "epub"))["Content-Disposition"]
    assert disposition == (
        'attachment; filename="unicode-title.epub"; '
        "filename*=UTF-8''%C3%BCn%C3%AFc%C3%B3d%C3%A9-%E6%97%A5%E6%9C%AC%E8%AA%9E-title.epub"
    )


def test_a_title_without_latin_letters_falls_back_to_the_work_id(client):
    work = make_work(title="日本語")
    assert url(work, "html") == f"/works/{work.pk}/download/work-{work.pk}.html"
    disposition = client.get(url(work, "html"))["Content-Disposition"]
    assert f'filename="work-{work.pk}.html"' in disposition
    assert "filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.html" in disposition


def test_an_old_name_in_the_address_redirects_to_the_current_one(client):
    work = make_work(title="New Title")
    old = reverse("archive:download_epub", args=[work.pk, "old-title"])
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == url(work, "epub")


def test_work_page_links_to_both_downloads(client):
    work = make_work(title="Linked")
    content = client.get(work.get_absolute_url()).content.decode()
    assert f'href="{url(work, "epub")}"' in content
    assert f'href="{url(work, "html")}"' in content


# Contents


def test_epub_has_title_page_chapters_and_end_notes_in_reading_order(client, full_work):
    content = client.get(url(full_work, "epub")).content
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        assert book.namelist()[0] == "mimetype"
        assert book.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        opf = book.read("EPUB/content.opf").decode()
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    assert spine == ["title-page", "chapter-1", "chapter-2", "end-notes"]
    for expected in [
        "<dc:title>A Full Work</dc:title>",
        '<dc:creator id="creator">Imported Author</dc:creator>',
        "<dc:language>en</dc:language>",
        f'<dc:identifier id="id">urn:archive:work:{full_work.pk}</dc:identifier>',
        "<dc:subject>Fandom One</dc:subject>",
        "<dc:description>The summary &amp; more.</dc:description>",
    ]:
        assert expected in opf
    documents = epub_documents(content)
    title_page = documents["EPUB/title.xhtml"]
    for expected in [
        "<h1>A Full Work</h1>",
        "Teen And Up Audiences",
        "No Archive Warnings Apply",
        "F/F",
        "Fandom One",
        "A/B",
        "Character C",
        "Fluff",
        "The summary &amp; more.",
        "Work notes.",
        "2/2",
        "2026-01-01",
    ]:
        assert expected in title_page, expected
    chapter = documents["EPUB/chapter-1.xhtml"]
    for expected in [
        "<h2>Chapter 1: Part 1</h2>",
        "Chapter summary.",
        "Chapter notes.",
        "Chapter end notes.",
    ]:
        assert expected in chapter
    assert body_marker(full_work.pk, 1) in chapter
    assert "Work end notes." in documents["EPUB/end-notes.xhtml"]
    for name, document in documents.items():
        ElementTree.fromstring(document.encode())  # well-formed XML, or this raises
        assert '<html xmlns="http://www.w3.org/1999/xhtml"' in document, name


def test_html_file_is_valid_html_with_everything_in_order(client, full_work):
    content = client.get(url(full_work, "html")).content.decode()
    html5lib.HTMLParser(strict=True).parse(content)
    assert len(re.findall(r"<h1[\s>]", content)) == 1
    order = [
        "Teen And Up Audiences",
        "Work notes.",
        "<h2>Chapter 1: Part 1</h2>",
        "Chapter summary.",
        "Chapter notes.",
        body_marker(full_work.pk, 1),
        "Chapter end notes.",
        "<h2>Chapter 2: Part 2</h2>",
        body_marker(full_work.pk, 2),
        "Work end notes.",
    ]
    positions = [content.index(text) for text in order]
    assert positions == sorted(positions)
    assert "<script" not in content


def test_empty_notes_leave_no_empty_sections(full_work):
    Work.objects.filter(pk=full_work.pk).update(notes="<p> </p>", end_notes="")
    work = Work.objects.with_blurb().get(pk=full_work.pk)
    content = downloads.build_html(work, list(work.chapters.all()))
    assert "<h2>Notes</h2>" not in content
    assert "End notes" not in content


# Creator HTML made well-formed XHTML


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>a&nbsp;b &amp; c</p><hr><br>", "<p>a\xa0b &amp; c</p><hr/><br/>"),
        ("<p>unclosed <em>emph", "<p>unclosed <em>emph</em></p>"),
        ("<li>stray</li><li>two</li>after", "<ul><li>stray</li><li>two</li></ul>after"),
        ("<ul>loose<li>item</li></ul>", "<ul><li>loose</li><li>item</li></ul>"),
        ("<em><p>block</p><hr></em>", "<em><span>block</span><br/></em>"),
        ("<p>bell\x07 and vertical\x0btab</p>", "<p>bell and verticaltab</p>"),
        ("<p></p>", ""),
    ],
)
def test_creator_html_becomes_well_formed_xhtml(markup, expected):
    assert downloads.xhtml(markup) == expected
    ElementTree.fromstring(f"<div>{downloads.xhtml(markup)}</div>")


def test_links_become_absolute_and_unusable_ones_lose_their_target():
    markup = (
        '<a href="/works/3">work</a><a href="#note">note</a>'
        '<a href="https://example.com/a b">web</a><a href="javascript:alert(1)">js</a>'
    )
    out = downloads.xhtml(markup, base_url="https://archive.example/")
    assert 'href="https://archive.example/works/3"' in out
    assert 'href="https://example.com/a%20b"' in out
    assert out.count("href=") == 2


def test_nothing_dangerous_survives_into_a_download():
    markup = (
        '<script>alert(1)</script><p onclick="x()" style="color:red">text</p>'
        "<svg><script>alert(2)</script></svg><math><mi>x</mi></math>"
        '<img src="data:image/png;base64,AAAA"><a href="data:text/html,hi">d</a>'
    )
    out = downloads.xhtml(markup)
    for forbidden in ["script", "onclick", "style", "svg", "math", "data:", "img", "alert"]:
        assert forbidden not in out
    assert "text" in out


def test_control_characters_in_metadata_do_not_break_the_files(client):
    work = make_work(title="Bell\x07", tags=[("Odd\x0cTag", TagKind.ADDITIONAL)])
    documents = epub_documents(client.get(url(work, "epub")).content)
    for document in documents.values():
        ElementTree.fromstring(document.encode())
    assert "<h1>Bell</h1>" in documents["EPUB/title.xhtml"]
    html = client.get(url(work, "html")).content.decode()
    html5lib.HTMLParser(strict=True).parse(html)
    assert "OddTag" in html


# Caching


def test_file_is_built_once_per_revision(client, django_assert_num_queries):
    work = make_work(chapters=1)
    first = client.get(url(work, "epub")).content
    Chapter.objects.filter(work=work).update(body="<p>Rewritten.</p>")
    # session-free guest: work (with creator; its warnings come with it), its tags; the file
    # comes from the cache, so the chapters are not read
    with django_assert_num_queries(2):
        cached = client.get(url(work, "epub")).content
    assert cached == first
    Work.objects.filter(pk=work.pk).update(revision=2)
    rebuilt = client.get(url(work, "epub")).content
    assert "Rewritten." in "".join(epub_documents(rebuilt).values())


def test_a_renamed_tag_is_a_new_file_even_in_the_same_revision(client):
    work = make_work(tags=[("Old Name", TagKind.FANDOM)])
    assert b"Old Name" in client.get(url(work, "html")).content
    work.tags.update(name="New Name")
    assert b"New Name" in client.get(url(work, "html")).content


def test_download_query_count_for_a_reader(client_for, reader_show, django_assert_num_queries):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=3)
    client = client_for(reader_show)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), work (with
    # creator and its warnings), tags, chapters
    with django_assert_num_queries(5):
        response = client.get(url(work, "epub"))
    assert response.status_code == 200


# epubcheck


def epubcheck_command():
    """How to run epubcheck here, or None; Debian's is an executable jar."""
    path = shutil.which("epubcheck")
    if path is None:
        return None
    if zipfile.is_zipfile(path):
        java = shutil.which("java")
        # The quick JIT tier alone starts epubcheck about three times faster.
        return [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", path] if java else None
    return [path]


@pytest.fixture
def epubcheck(tmp_path):
    """Validates EPUBs ({name: bytes}) with epubcheck, all at once, warnings counting as errors."""
    command = epubcheck_command()
    if command is None:
        if os.environ.get(REQUIRE_EPUBCHECK):
            pytest.fail(f"epubcheck is required ({REQUIRE_EPUBCHECK} is set) but not installed")
        pytest.skip("epubcheck is not installed (Debian package epubcheck)")

    def check(books):
        runs = {}
        for name, content in books.items():
            path = tmp_path / f"{name}.epub"
            path.write_bytes(content)
            runs[name] = subprocess.Popen(
                [*command, "--failonwarnings", str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        reports = {name: run.communicate(timeout=300) for name, run in runs.items()}
        failed = {name: reports[name][0] for name, run in runs.items() if run.returncode != 0}
        assert failed == {}

    return check


def test_seed_works_pass_epubcheck(seeded, epubcheck):
    books = {
        f"seed-{work.pk}": downloads.build_epub(
            work, list(work.chapters.all()), base_url="http://t/"
        )
        for work in Work.objects.with_blurb()
    }
    assert len(books) == 5
    epubcheck(books)


def test_a_work_with_odd_content_passes_epubcheck(epubcheck):
    work = make_work(
        title="Ünïcødé & <Title> “日本語”\x07",
        chapters=3,
        notes="",
        end_notes="<p></p>",
        language="ja",
        tags=[("Fandom & Co", TagKind.FANDOM), ("Ä/Ö\x0b", TagKind.RELATIONSHIP)],
    )
    summary = "<p>Summary with <a href='https://example.com/?a=1&b=2'>a link</a>.</p>"
    Work.objects.filter(pk=work.pk).update(summary=summary)
    Chapter.objects.filter(work=work, position=1).update(
        title="",
        body=(
            "<p>Links: <a href='/works/1'>relative</a>, <a href='#x'>anchor</a>, "
            "<a href='mailto:a@b.c'>mail</a>.</p><hr><li>stray item</li>"
            "<em><p>block in emphasis</p></em><ul>loose</ul><p>nbsp&nbsp;here\x0c</p>"
            "<h3>Heading <blockquote>quote</blockquote></h3><br><p></p>"
        ),
    )
    Chapter.objects.filter(work=work, position=2).update(title="Ωμέγα\x1f", notes="<p>Notes</p>")
    work = Work.objects.with_blurb().get(pk=work.pk)
    content = downloads.build_epub(work, list(work.chapters.all()), base_url="http://t/")
    epubcheck({"odd": content})


# A one-chapter work


@pytest.fixture
def one_shot(db):
    work = make_work(title="Brief", chapters=1, complete=True)
    Chapter.objects.filter(work=work).update(title="")
    return Work.objects.with_blurb().get(pk=work.pk)


def chapter_headings(markup):
    return re.findall(r"<h2>(.*?)</h2>", markup)


def test_a_one_chapter_works_html_has_no_chapter_heading(client, one_shot):
    content = client.get(url(one_shot, "html")).content.decode()
    html5lib.HTMLParser(strict=True).parse(content)
    assert "Chapter 1" not in content
    assert body_marker(one_shot.pk, 1) in content
    assert 'id="chapter-1"' in content


def test_a_one_chapter_works_epub_has_no_chapter_heading(client, one_shot):
    documents = epub_documents(client.get(url(one_shot, "epub")).content)
    chapter = documents["EPUB/chapter-1.xhtml"]
    assert body_marker(one_shot.pk, 1) in chapter
    assert chapter_headings(chapter) == []
    assert "<title>Brief</title>" in chapter
    assert not any("Chapter 1" in document for document in documents.values())


@pytest.mark.parametrize("kind", ["epub", "html"])
def test_a_one_chapter_work_keeps_the_title_its_creator_gave(client, one_shot, kind):
    Chapter.objects.filter(work=one_shot).update(title="Low Tide")
    Work.objects.filter(pk=one_shot.pk).update(revision=one_shot.revision + 1)
    content = client.get(url(one_shot, kind)).content
    markup = epub_documents(content)["EPUB/chapter-1.xhtml"] if kind == "epub" else content.decode()
    assert "Low Tide" in chapter_headings(markup)
    assert "Chapter 1" not in markup


def test_a_one_chapter_work_passes_epubcheck(one_shot, epubcheck):
    epubcheck({"one": downloads.build_epub(one_shot, list(one_shot.chapters.all()))})
