"""Word counting and the HTML allowlist, on small made-up fragments."""

import pytest

from archive.writing.sanitize import sanitize_html
from archive.writing.words import count_words

REL = 'rel="nofollow noopener noreferrer ugc"'

# Word counts


@pytest.mark.parametrize(
    ("markup", "words"),
    [
        ("<p>The cat sat.</p>", 3),
        ("<p>one</p><p>two</p>", 2),
        ("<p>one<br>two</p>", 2),
        ("<p><em>Never</em> again.</p>", 2),
        ('<a href="https://example.com/a-long-path">link</a>', 1),
    ],
)
def test_tags_and_their_attributes_are_not_words(markup, words):
    assert count_words(markup) == words


@pytest.mark.parametrize(
    ("markup", "words"),
    [
        ("<p>Don't stop.</p>", 2),
        ("<p>Don’t stop.</p>", 2),
        ("<p>A well-known half-truth.</p>", 3),
        ("<p>rock'n'roll</p>", 1),
    ],
)
def test_contractions_and_hyphenated_words_count_once(markup, words):
    assert count_words(markup) == words


@pytest.mark.parametrize(
    ("markup", "words"),
    [
        ("<p>Wait — what?</p>", 2),
        ("<p>Wait—what?</p>", 2),
        ("<p>cats &amp; dogs</p>", 2),
        ("<p>&lt;Bold&gt; claims</p>", 2),
        ("<p>snake_case</p>", 2),
        ("<p>...!?</p>", 0),
    ],
)
def test_punctuation_and_entities_are_not_words(markup, words):
    assert count_words(markup) == words


def test_numbers_and_accented_words_count():
    assert count_words("<p>In 2026 the café reopened, naïvely.</p>") == 6


@pytest.mark.parametrize("markup", [None, "", "<p></p>", "<hr>"])
def test_nothing_to_read_counts_zero(markup):
    assert count_words(markup) == 0


# Sanitising: what goes


def test_script_tags_are_removed_with_their_content():
    assert sanitize_html("<p>Hi<script>alert('x')</script> there</p>") == "<p>Hi there</p>"


def test_style_elements_are_removed_with_their_content():
    assert sanitize_html("<style>body { display: none }</style><p>Text</p>") == "<p>Text</p>"


def test_event_handler_attributes_are_removed():
    cleaned = sanitize_html('<p onclick="steal()" onmouseover="steal()">Text</p>')
    assert cleaned == "<p>Text</p>"


def test_style_attributes_are_removed():
    assert sanitize_html('<p style="position:fixed;top:0">Text</p>') == "<p>Text</p>"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
    ],
)
def test_links_to_scripts_and_data_lose_their_href(href):
    cleaned = sanitize_html(f'<a href="{href}">click</a>')
    assert "href" not in cleaned
    assert "click" in cleaned


@pytest.mark.parametrize(
    "markup",
    [
        '<svg onload="alert(1)"><circle r="5"/></svg>',
        "<svg><script>alert(1)</script></svg>",
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
        '<iframe src="https://example.com/"></iframe>',
        '<img src="x" onerror="alert(1)">',
        '<object data="movie.swf"></object>',
        '<form action="https://example.com/"><input name="password"></form>',
    ],
)
def test_embedded_documents_and_active_content_are_removed(markup):
    assert sanitize_html(f"<p>Before</p>{markup}<p>After</p>") == "<p>Before</p><p>After</p>"


def test_an_attribute_that_smuggles_markup_stays_text():
    cleaned = sanitize_html('<noscript><p title="</noscript><img src=x onerror=alert(1)>">')
    assert "<img" not in cleaned
    assert "onerror" not in cleaned


def test_headings_above_the_page_outline_keep_only_their_text():
    # The page's own <h1> and <h2> must stay the only ones.
    assert sanitize_html("<h1>Big</h1><h2>Bigger</h2><h3>Fine</h3>") == "BigBigger<h3>Fine</h3>"


# Sanitising: what stays


def test_allowed_formatting_is_kept_as_written():
    markup = (
        "<p><em>a</em> <i>b</i> <strong>c</strong> <b>d</b> <u>e</u> <s>f</s>"
        " x<sub>2</sub> y<sup>2</sup><br></p><blockquote><p>q</p></blockquote>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><hr><h3>h</h3>"
    )
    assert sanitize_html(markup) == markup


def test_unclosed_tags_are_closed():
    assert sanitize_html("<p>Unclosed <em>emphasis") == "<p>Unclosed <em>emphasis</em></p>"


def test_stray_closing_tags_are_dropped():
    assert sanitize_html("<p>Text</em></p></div>") == "<p>Text</p>"


def test_escaped_text_stays_escaped():
    assert sanitize_html("<p>a &amp; b &lt;script&gt;</p>") == "<p>a &amp; b &lt;script&gt;</p>"


def test_break_caption_class_is_kept():
    markup = '<p class="break-caption">Three days later</p>'
    assert sanitize_html(markup) == markup


def test_other_classes_are_dropped_even_beside_break_caption():
    cleaned = sanitize_html('<p class="break-caption hidden">Later</p>')
    assert cleaned == '<p class="break-caption">Later</p>'


@pytest.mark.parametrize(
    "markup", ['<p class="spoiler">Text</p>', '<em class="break-caption">Text</em>']
)
def test_classes_outside_the_allowlist_are_dropped(markup):
    cleaned = sanitize_html(markup)
    assert "spoiler" not in cleaned
    assert "break-caption" not in cleaned
    assert "Text" in cleaned


@pytest.mark.parametrize(
    "href", ["https://example.com/", "http://example.com/", "mailto:a@example.com", "/works/1/"]
)
def test_safe_links_keep_their_href_and_get_nofollow(href):
    assert sanitize_html(f'<a href="{href}">x</a>') == f'<a href="{href}" {REL}>x</a>'


def test_a_link_cannot_choose_its_own_rel_or_target():
    cleaned = sanitize_html('<a href="https://example.com/" rel="opener" target="_blank">x</a>')
    assert cleaned == f'<a href="https://example.com/" {REL}>x</a>'


def test_nothing_sanitises_to_nothing():
    assert sanitize_html(None) == ""
    assert sanitize_html("") == ""
