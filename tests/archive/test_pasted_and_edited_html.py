"""What the chapter editor sends, and what a word processor puts on the clipboard, once the
sanitiser has kept its subset: italics, paragraphs and alignment stay; the rest goes."""

from pathlib import Path

import pytest

from archive.writing.posting import prepare_html
from archive.writing.sanitize import sanitize_html

PASTE = Path(__file__).parent / "paste"


def pasted(name):
    return prepare_html((PASTE / name).read_text())


def test_a_word_paste_keeps_its_paragraphs_italics_and_links_and_nothing_else():
    assert pasted("word.html") == (
        "<p>The kettle sang on the stove, <i>softly</i> at first.</p>\n"
        "<p>Nobody answered the <i>second</i> knock.</p>\n"
        "<p>&nbsp;</p>\n"
        '<p><a href="https://example.org/map" rel="nofollow noopener noreferrer ugc">A map</a>'
        " of the village.</p>"
    )


def test_a_libreoffice_paste_keeps_its_paragraphs_and_italics_and_nothing_else():
    assert pasted("libreoffice.html") == (
        "<p><i>Rain</i> on the window, all night.</p>\n"
        "<p>In the morning the road was <i>gone</i>.</p>"
    )


@pytest.mark.parametrize("name", ["word.html", "libreoffice.html"])
def test_nothing_of_a_word_processors_styles_and_settings_survives_a_paste(name):
    cleaned = pasted(name)
    for leftover in ["Mso", "mso-", "style", "font", "<span", "<o:p", "<meta", "@page", "<xml"]:
        assert leftover not in cleaned
    for leftover in ["WordDocument", "Normal", "Zoom", "onmouseover", "class="]:
        assert leftover not in cleaned


# What the editor writes (Quill's semantic HTML), with the archive's alignment classes.

EDITED = (
    '<h3 class="align-center">A heading</h3>'
    "<p><strong>Bold</strong>, <em>italic</em>, <u>underlined</u> and <s>struck</s>.</p>"
    "<ul><li>One</li><li>Two</li></ul><ol><li>First</li></ol>"
    '<blockquote>Quoted</blockquote><hr><p class="align-right">Signed</p>'
    '<p class="align-justify">Justified</p>'
)


def test_what_the_editor_writes_is_kept_as_written():
    assert sanitize_html(EDITED) == EDITED


def test_a_creators_h1_from_the_editor_becomes_an_h3_and_keeps_its_alignment():
    assert prepare_html('<h1 class="align-center">Title</h1>') == (
        '<h3 class="align-center">Title</h3>'
    )


@pytest.mark.parametrize(
    "markup",
    [
        '<p class="align-center" style="position:fixed;top:0">Text</p>',
        '<p class="align-center" onclick="alert(1)">Text</p>',
        '<p class="align-center" id="main">Text</p>',
        '<p class="align-center" data-x="1" hidden>Text</p>',
    ],
)
def test_an_aligned_block_keeps_only_its_alignment_class(markup):
    assert sanitize_html(markup) == '<p class="align-center">Text</p>'


@pytest.mark.parametrize(
    "markup",
    [
        '<em class="align-center">Text</em>',
        '<a class="align-center" href="https://example.com/">Text</a>',
        '<p class="align-left ql-align-center visually-hidden">Text</p>',
        '<p align="center">Text</p>',
        '<p style="text-align: center">Text</p>',
    ],
)
def test_alignment_is_only_the_archives_classes_on_blocks(markup):
    cleaned = sanitize_html(markup)
    assert "align" not in cleaned and "class" not in cleaned and "style" not in cleaned
    assert "Text" in cleaned


def test_a_class_attribute_left_empty_is_dropped():
    assert sanitize_html('<p class="MsoNormal">Text</p>') == "<p>Text</p>"
