"""Parse a plain-text work into title, notes and chapters of sanitiser-ready HTML.

Pure Python on purpose: the importer command, the tests and any offline tool can use it
without Django. The conventions it reads are those of texts saved from the big archives
(header fields, author's notes, decorated scene breaks); see tests/archive/test_text_import.py.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise


@dataclass
class ParsedChapter:
    position: int
    title: str = ""
    notes: str = ""
    end_notes: str = ""
    body: str = ""
    summary: str = ""


@dataclass
class ParsedWork:
    title: str = ""
    creator: str = ""
    summary: str = ""
    notes: str = ""
    end_notes: str = ""
    relationships: list[str] = field(default_factory=list)
    declared_rating: str = ""
    # The author's own warning fields, as written; the importer reads them as a floor.
    declared_warnings: list[str] = field(default_factory=list)
    language: str = ""  # as the file declares it (EPUB metadata); plain texts never do
    chapters: list[ParsedChapter] = field(default_factory=list)
    starts_mid_work: bool = False
    # What a file states in the importer's metadata keys (an AO3 download's tags and dates);
    # it wins over the metadata given with the file. Plain texts state none.
    metadata: dict = field(default_factory=dict)
    # The notes already credit `creator` (an AO3 download's "Originally posted ... by").
    credited: bool = False


# A header line is "Label: value" with a label from a short, known list, so that a story line
# such as "Kakashi: Yo." is never taken for a field.
FIELD_RE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z'’ ./()]{0,30}?)\s*:\s*(?P<value>.*)$")
# "Rated T for language" carries the rating without a colon; the rating must look like one so
# that a story opening "Rated by everyone..." stays a story.
RATED_RE = re.compile(
    r"^rated\s*:?\s*(?P<value>(?:K\+?|T|M|MA|G|PG(?:-13)?|R|NC-17|X|E|General|Teen|Mature"
    r"|Explicit|Adult)(?!\w).*)$",
    re.IGNORECASE,
)
# The rating itself is what comes before an explanation: "T for language" -> "T".
RATING_VALUE_RE = re.compile(r"^(?P<rating>.+?)(?:\s+for\s|\s*[(,;]|\s+-\s|$)", re.IGNORECASE)
RELATIONSHIP_SPLIT_RE = re.compile(r"\s*(?:[,;]|\band\b)\s*", re.IGNORECASE)
# Labels that open an author's note, at the start of a work or a chapter.
NOTE_LABEL_RE = re.compile(r"^(?:a/?n|author['’]?s?\s*notes?|notes?)\s*:\s*", re.IGNORECASE)
# Labels that open the author's note after the story ("End A/N: ...").
END_NOTE_LABEL_RE = re.compile(
    r"^(?:end(?:ing)?\s*(?:a/?n|author['’]?s?\s*notes?|notes?))\s*:\s*", re.IGNORECASE
)

NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
# "Chapter 7: The Rescue." or "Chapter Seven - The Rescue"; the whole line, nothing else.
CHAPTER_RE = re.compile(
    r"^chapter\s+(?P<number>\d+|" + "|".join(NUMBER_WORDS) + r")\b"
    r"\s*(?:[:.\-–—]\s*(?P<title>.{0,100}?))?\s*$",
    re.IGNORECASE,
)
# "Prologue", "Epilogue: After" or "Epilogue - After": the chapter keeps the whole line as
# its title, and its place among the others.
PROLOGUE_RE = re.compile(
    r"^(?:prologue|epilogue)\b\s*(?:[:.\-–—]\s*(?P<title>.{0,100}?))?\s*$", re.IGNORECASE
)
# "1. The Bell": a numbered heading, trusted only when the body opens with "1." and the
# numbers follow on (see _numbered_headings), since a story may hold a numbered list.
NUMBERED_RE = re.compile(r"^(?P<number>\d{1,3})\.\s+(?P<title>\S.{0,100}?)\s*$")
# "***" or "###" opening a body: the text divides its chapters with such lines, each
# followed by the chapter's title when it has one (see _separator_headings).
SEPARATOR_RE = re.compile(r"^(?:(?:\*\s*){3,}|(?:#\s*){3,})$")
# "by cora", "By Cora", "written by cora" under a title: the credit of the text, unlike
# "By: cora", which is a header field. At most a few words, so no sentence is taken for one.
BYLINE_RE = re.compile(r"^(?:written\s+)?by\s+(?P<name>\S+(?:\s+\S+){0,3})$", re.IGNORECASE)

# Scene-break decoration: xXx-style letters, or runs of a symbol.
_DECORATION = r"x(?:Xx)+|X(?:xX)+|o(?:Oo)+|O(?:oO)+|o(?:0o)+|~+|-+|={2,}|\*{2,}|#{2,}|_{2,}"
# "xXx Back in the village xXx", "~One Week Later~", "-end memory-": a caption between two
# matching decorations.
CAPTION_BREAK_RE = re.compile(
    rf"^(?P<left>{_DECORATION})\s*(?P<caption>[^~=*#_\s-](?:.*[^~=*#_\s-])?)\s*"
    rf"(?P<right>{_DECORATION})$"
)
# A line of decoration alone ("xXx", "~~~", "* * *") is a break without a caption.
PLAIN_BREAK_RE = re.compile(
    r"^(?:x(?:Xx)+|X(?:xX)+|o(?:Oo)+|O(?:oO)+|o(?:0o)+|~+|-{3,}|={3,}|#{3,}|_{3,}"
    r"|(?:\*\s*){3,}|(?:~\s*){3,})$"
)
MAX_CAPTION_WORDS = 10

# Remnants of stripped emphasis: "<i>never</i>" saved as "inever/i", "<i>this is it</i>" as
# "ithis is it/i". The closing "/i" glued to a word is unmistakable; the opening is not, as many
# real words start with "i" or "b", so it is looked for word by word (see _opening).
CLOSING_REMNANT_RE = re.compile(r"(?<=\S)/(?P<tag>strong|em|i|b|u)(?![^\W\d_])")
# Emphasis tags left whole ("<i>never</i>"), kept as emphasis when they come in pairs.
WHOLE_EMPHASIS_RE = re.compile(r"<(?P<tag>strong|em|i|b|u)>(?P<text>.*?)</(?P=tag)>")
# Underlined words were emphasis on the page the text was saved from.
EMPHASIS = {"i": "em", "em": "em", "u": "em", "b": "strong", "strong": "strong"}
# Emphasis is carried through parsing as private-use characters, so that escaping the text
# cannot touch it and nothing in the text can forge it; _escape turns them into tags.
OPEN = {"em": "\ue000", "strong": "\ue002"}
CLOSE = {"em": "\ue001", "strong": "\ue003"}
MARKERS = {OPEN[kind]: f"<{kind}>" for kind in OPEN} | {CLOSE[kind]: f"</{kind}>" for kind in CLOSE}
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Short words so frequent that a text too small to show its own vocabulary still tells
# "it" (a word) from "ithis" ("this" in italics).
COMMON_WORDS = {
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "away", "back", "be", "because", "been", "before", "being", "both", "but", "by", "can",
    "could", "did", "do", "does", "down", "each", "even", "ever", "every", "for", "from",
    "get", "go", "going", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "just", "know", "like", "me", "more", "most", "my",
    "never", "no", "not", "now", "of", "off", "on", "one", "only", "or", "other", "our", "out",
    "over", "said", "saw", "see", "she", "so", "some", "still", "such", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too",
    "two", "under", "until", "up", "us", "very", "was", "way", "we", "well", "were", "what",
    "when", "where", "which", "while", "who", "why", "will", "with", "would", "yes", "yet",
    "you", "your",
}  # fmt: skip
# Formatting tags left whole in a text saved as plain text; their words are kept.
MARKUP_TAG_RE = re.compile(
    r"</?(?:i|b|u|s|em|strong|p|br|span|div|font|center)(?:\s[^<>]*)?/?>", re.IGNORECASE
)
# Only entities closed by a semicolon: "AT&T" and "&notice" stay as they are.
ENTITY_RE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
WHITESPACE_RE = re.compile(r"\s+")
# A title never ends like a sentence and never opens with dialogue.
SENTENCE_END = (".", "!", "?", "…", ",", ";", ":", '"', "”", "'", "’")
QUOTES = ('"', "“", "”", "'", "‘", "’")
MAX_TITLE_WORDS = 12


def parse_work(text: str) -> ParsedWork:
    """Parse a decoded plain-text work; see the module docstring for the conventions."""
    text = text.lstrip("\ufeff")
    vocabulary = _vocabulary(text)
    lines = [_clean(line, vocabulary) for line in text.splitlines()]
    work = ParsedWork()
    body_start = _read_header(lines, work)
    body = lines[body_start:]
    threshold = _break_threshold(body)
    segments = _split_chapters(body)
    has_headings = any(heading for heading, _lines in segments)

    for heading, segment in segments:
        chapter = ParsedChapter(position=1)
        if heading:
            chapter.position, chapter.title = heading
            notes, segment = _take_leading_notes(segment)
            chapter.notes = _paragraphs(notes)
        end_notes, segment = _take_end_notes(segment)
        if has_headings:
            chapter.end_notes = _paragraphs(end_notes)
        else:
            work.end_notes = _paragraphs(end_notes)
        chapter.body = _render_body(segment, threshold)
        work.chapters.append(chapter)

    _number_chapters(work.chapters)
    work.starts_mid_work = work.chapters[0].position > 1
    return work


def _clean(line, vocabulary):
    """Normalise one line: entities decoded, no non-breaking spaces, emphasis marked, no
    markup remnants, single spaces."""
    line = _decode_entities(line.translate(NO_MARKERS))
    line = line.replace("\u00a0", " ")
    line = WHOLE_EMPHASIS_RE.sub(_whole_emphasis, line)
    line = MARKUP_TAG_RE.sub("", line)
    line = _mark_remnants(line, vocabulary)
    return WHITESPACE_RE.sub(" ", line).strip()


NO_MARKERS = dict.fromkeys(map(ord, MARKERS))


def _decode_entities(text):
    return ENTITY_RE.sub(lambda match: html.unescape(match.group()), text)


def _whole_emphasis(match):
    kind = EMPHASIS[match.group("tag")]
    return OPEN[kind] + match.group("text") + CLOSE[kind]


def _vocabulary(text):
    """How often each word occurs in the text, leaving out words glued to a closing "/i"."""
    return Counter(
        word.lower()
        for token in _decode_entities(text).split()
        if "/" not in token
        for word in WORD_RE.findall(token)
    )


def _mark_remnants(line, vocabulary):
    """Mark each closing remnant and its opening as emphasis; a closing remnant whose
    opening cannot be told apart from ordinary words is left as it is."""
    edits = []  # (start, end, replacement), left to right
    floor = 0  # an opening is never looked for before the previous span
    for closing in CLOSING_REMNANT_RE.finditer(line):
        tag = closing.group("tag")
        opening = _opening(line, floor, closing.start(), tag, vocabulary)
        if opening is None:
            continue
        kind = EMPHASIS[tag]
        edits += [(opening, opening + len(tag), OPEN[kind])]
        edits += [(closing.start(), closing.end(), CLOSE[kind])]
        floor = closing.end()
    for start, end, replacement in reversed(edits):
        line = line[:start] + replacement + line[end:]
    return line


def _opening(line, floor, closing, tag, vocabulary):
    """Where the span closed at `closing` opens: the nearest word, back from the closing one,
    that is the tag glued to a known word ("ithis") without being a word itself ("it")."""
    for token in reversed(list(re.finditer(r"\S+", line[floor:closing]))):
        lead = len(token.group()) - len(token.group().lstrip("\"'“‘(["))
        start = floor + token.start() + lead
        inner = WORD_RE.match(line, start + len(tag))
        if not line.startswith(tag, start) or not inner:
            continue
        word, glued = inner.group().lower(), (tag + inner.group()).lower()
        # The closing word itself ("inever/i") is not in the vocabulary; others count once.
        itself = 0 if token.end() == closing - floor else 1
        if _is_word(word, vocabulary, 0) and not _is_word(glued, vocabulary, itself):
            return start
    return None


def _is_word(word, vocabulary, itself):
    return word in COMMON_WORDS or vocabulary[word] > itself


def _plain(text):
    """Text with its emphasis marks removed, for fields that are not HTML (titles, names)."""
    return text.translate(NO_MARKERS)


def _blocks(lines):
    """Yield (first, end) index pairs of the runs of non-empty lines."""
    index = 0
    while index < len(lines):
        if not lines[index]:
            index += 1
            continue
        first = index
        while index < len(lines) and lines[index]:
            index += 1
        yield first, index


def _field(line):
    """Return (kind, label, value) for a known header field line, else None."""
    if END_NOTE_LABEL_RE.match(line):
        return None
    if NOTE_LABEL_RE.match(line):
        return "note", "", NOTE_LABEL_RE.sub("", line)
    if RATED_RE.match(line):
        return "rated", "", RATED_RE.match(line).group("value")
    match = FIELD_RE.match(line)
    if not match:
        return None
    label = match.group("label").strip()
    key = _normalise_label(label)
    kind = FIELD_KINDS.get(key) or FIELD_KINDS.get(key.removesuffix("s"))
    if kind is None:
        return None
    return kind, label, match.group("value").strip()


def _normalise_label(label):
    label = label.lower().replace("’", "'").replace("(s)", "").replace(".", "")
    return WHITESPACE_RE.sub(" ", label).strip()


FIELD_KINDS = {
    "title": "title",
    "author": "creator",
    "written by": "creator",
    "writer": "creator",
    "by": "creator",
    "creator": "creator",
    "pairing": "relationships",
    "relationship": "relationships",
    "rating": "rating",
    "summary": "summary",
    "warning": "warnings",
    "other warning": "other warnings",
    # Everything below is kept, as the author wrote it, in the work's notes.
    "sequel": "other",
    "prequel": "other",
    "genre": "other",
    "disclaimer": "other",
    "ps": "other",
    "character": "other",
    "fandom": "other",
    "status": "other",
    "word count": "other",
    "dedication": "other",
    "beta": "other",
}


def _looks_like_title(line):
    """A short line that neither ends like a sentence nor opens with dialogue."""
    line = _plain(line)
    return (
        len(line.split()) <= MAX_TITLE_WORDS
        and not line.endswith(SENTENCE_END)
        and not line.startswith(QUOTES)
        and (line[0].isupper() or line[0].isdigit())
        and not CHAPTER_RE.match(line)
        and not PROLOGUE_RE.match(line)
        and not NUMBERED_RE.match(line)
        and not BYLINE_RE.match(line)
        and not PLAIN_BREAK_RE.match(line)
        and not CAPTION_BREAK_RE.match(line)
    )


def _byline(line):
    """The name a "by NAME" line credits, or "" for any other line."""
    match = BYLINE_RE.match(_plain(line))
    if not match or match.group("name").endswith(SENTENCE_END):
        return ""
    return match.group("name")


def _opens_chapter(line):
    """Whether a line below a title may open the body with a chapter: a heading or a
    separator (numbered headings are checked again against the whole body)."""
    return bool(
        CHAPTER_RE.match(line)
        or PROLOGUE_RE.match(line)
        or SEPARATOR_RE.match(line)
        or ((match := NUMBERED_RE.match(line)) and _looks_like_title(match.group("title")))
    )


def _read_header(lines, work):
    """Fill the work's header fields from the top of the text; return where the body starts."""
    blocks = list(_blocks(lines))
    notes, summary = [], []
    seen_header = False
    add_line = notes.append  # where a field's continuation lines go
    body_start = blocks[0][0] if blocks else len(lines)

    def header_line(line, alone=False):
        # A byline counts under a title, among header fields, or as a paragraph of its own.
        if (work.title or seen_header or alone) and _byline(line):
            return "creator", "", _byline(line)
        return _field(line)

    for number, (first, end) in enumerate(blocks):
        block = lines[first:end]
        following = lines[blocks[number + 1][0]] if number + 1 < len(blocks) else None
        alone = len(block) == 1 and following is not None
        if header_line(block[0], alone) is None:
            # A bare title stands directly above header fields, a byline or a chapter
            # heading, or directly after the notes, and is never the last thing in the text.
            title_here = (
                not work.title
                and following is not None
                and _looks_like_title(block[0])
                and (
                    (len(block) > 1 and (_field(block[1]) or _byline(block[1])))
                    or (
                        len(block) == 1
                        and (
                            seen_header
                            or _field(following)
                            or _byline(following)
                            or _opens_chapter(following)
                        )
                    )
                )
            )
            if not title_here:
                break
            work.title = _plain(block[0])
            block = block[1:]
        for line in block:
            parsed = header_line(line, alone)
            if parsed is None:
                add_line(line)
            else:
                add_line = _apply_field(work, parsed, notes, summary)
        seen_header = True
        body_start = end

    work.notes = _paragraphs(notes)
    work.summary = _paragraphs(summary)
    return body_start


def _apply_field(work, parsed, notes, summary):
    """Store one header field; return what to do with its continuation lines."""
    kind, label, value = parsed
    if kind == "title":
        work.title = _plain(value)
    elif kind == "creator":
        work.creator = _plain(value)
    elif kind == "relationships":
        # Kept as the author wrote them, in the notes, whatever the tags end up being.
        notes.append(f"Author's pairings: {value}")
        work.relationships += _relationships(value)
        return _also_into(notes, work.relationships, _relationships)
    elif kind == "summary":
        summary.append(value)
        return summary.append
    elif kind == "rating":
        work.declared_rating = _plain(RATING_VALUE_RE.match(value).group("rating"))
        notes.append(f"Author's rating: {value}")
    elif kind == "rated":
        work.declared_rating = _plain(RATING_VALUE_RE.match(value).group("rating"))
        notes.append(f"Rated {value}")
    elif kind in ("warnings", "other warnings"):
        work.declared_warnings.append(_plain(value))
        notes.append(f"Author's warnings: {value}" if kind == "warnings" else f"{label}: {value}")
        return _also_into(notes, work.declared_warnings, lambda line: [_plain(line)])
    elif kind == "note":
        notes.append(value)
    else:
        notes.append(f"{label}: {value}")
    return notes.append


def _also_into(notes, values, read):
    """Continuation lines of a field that go to the notes and are also read into `values`."""

    def add_line(line):
        notes.append(line)
        values.extend(read(line))

    return add_line


def _relationships(value):
    """Split "A/B and C/D, E & F" into pairings, keeping each as the author wrote it."""
    return [pairing for pairing in RELATIONSHIP_SPLIT_RE.split(_plain(value)) if pairing]


def _break_threshold(lines):
    """How many blank lines in a row make a scene break in this text.

    Most texts separate paragraphs with one blank line and scenes with more; a text that
    separates paragraphs with none uses a single blank line for a scene break.
    """
    gaps = Counter()
    blank = 0
    seen_text = False
    for line in lines:
        if line:
            if seen_text:
                gaps[blank] += 1
            seen_text, blank = True, 0
        else:
            blank += 1
    if not gaps:
        return 1
    # One blank line is the usual convention, so it wins a tie (short texts often tie).
    usual = max(gaps, key=lambda gap: (gaps[gap], gap == 1, -gap))
    return usual + 1


def _split_chapters(lines):
    """Split the body at chapter headings into [(heading or None, lines)]; a heading is
    (position, or None when the text gives none, and title)."""
    headings, taken = _headings(lines)
    segments = [(None, [])]
    for index, line in enumerate(lines):
        if index in headings:
            segments.append((headings[index], []))
        elif index not in taken:
            segments[-1][1].append(line)
    # Text before the first heading is a chapter of its own only if it holds anything.
    if len(segments) > 1 and not any(segments[0][1]):
        segments.pop(0)
    return segments


def _headings(lines):
    """{index: heading} of the lines that open chapters, and the indexes of the lines the
    headings took with them (a separator's title line)."""
    headings = {}
    for index, line in enumerate(lines):
        if match := CHAPTER_RE.match(line):
            headings[index] = _heading(match)
        elif match := PROLOGUE_RE.match(line):
            headings[index] = None, _plain(line).rstrip(".").strip()
    first = next((index for index, line in enumerate(lines) if line), None)
    if first is None:
        return headings, set()
    headings |= _numbered_headings(lines, first)
    if SEPARATOR_RE.match(lines[first]):
        return _separator_headings(lines, headings)
    return headings, set()


def _numbered_headings(lines, first):
    """ "1. Title" lines, each a paragraph of its own, when the body opens with "1." and
    they are numbered 1, 2, 3... in order; else none."""
    found = {}
    for index, line in enumerate(lines):
        match = NUMBERED_RE.match(line)
        if match and _stands_alone(lines, index) and _looks_like_title(match.group("title")):
            found[index] = int(match.group("number")), _plain(match.group("title"))
    numbers = [position for position, _title in found.values()]
    if first not in found or numbers != list(range(1, len(numbers) + 1)):
        return {}
    return found


def _separator_headings(lines, headings):
    """In a body that opens with "***" or "###", each such line opens a chapter, titled by
    the short line standing alone after it; a separator just above a heading gives way to it."""
    headings, taken = dict(headings), set()
    for index, line in enumerate(lines):
        if not SEPARATOR_RE.match(line):
            continue
        following = next((i for i in range(index + 1, len(lines)) if lines[i]), None)
        taken.add(index)
        if following is None or following in headings:
            continue
        title = ""
        if _stands_alone(lines, following) and _looks_like_title(lines[following]):
            title = _plain(lines[following])
            taken.add(following)
        headings[index] = None, title
    return headings, taken


def _stands_alone(lines, index):
    """Whether the line is a paragraph of its own: blank (or nothing) before and after."""
    before = index == 0 or not lines[index - 1]
    after = index + 1 >= len(lines) or not lines[index + 1]
    return before and after


def _heading(match):
    number = match.group("number").lower()
    position = int(number) if number.isdigit() else NUMBER_WORDS.index(number) + 1
    title = _plain(match.group("title") or "").strip().rstrip(".").strip()
    return position, title


def _number_chapters(chapters):
    """Keep the text's own chapter numbers unless they are missing or out of order."""
    positions = [chapter.position for chapter in chapters]
    if None not in positions and all(later > earlier for earlier, later in pairwise(positions)):
        return
    for offset, chapter in enumerate(chapters):
        chapter.position = (positions[0] or 1) + offset


def _take_leading_notes(lines):
    """Split off author's notes opening a chapter; return (note lines, rest)."""
    notes = []
    rest_start = 0
    for first, end in _blocks(lines):
        if not NOTE_LABEL_RE.match(lines[first]):
            break
        notes.append(NOTE_LABEL_RE.sub("", lines[first]))
        notes += lines[first + 1 : end]
        rest_start = end
    return notes, lines[rest_start:]


def _take_end_notes(lines):
    """Split off the author's note closing a text; return (note lines, rest)."""
    blocks = list(_blocks(lines))
    start = None
    for first, _end in blocks:
        if END_NOTE_LABEL_RE.match(lines[first]):
            start = first
    # A plain "A/N:" counts as an end note only as the very last paragraph.
    if start is None and len(blocks) > 1 and NOTE_LABEL_RE.match(lines[blocks[-1][0]]):
        start = blocks[-1][0]
    if start is None:
        return [], lines
    notes = [line for line in lines[start:] if line]
    notes[0] = NOTE_LABEL_RE.sub("", END_NOTE_LABEL_RE.sub("", notes[0]))
    return notes, lines[:start]


def _break(line):
    """Return None for a story line, else the break's caption ("" for a plain break)."""
    if PLAIN_BREAK_RE.match(line):
        return ""
    match = CAPTION_BREAK_RE.match(line)
    if (
        match
        and set(match.group("left")) == set(match.group("right"))
        and len(match.group("caption").split()) <= MAX_CAPTION_WORDS
    ):
        return match.group("caption")
    return None


def _render_body(lines, threshold):
    """Render story lines as paragraphs and scene breaks, one element per line."""
    out = []
    pending = None  # the break waiting for the next paragraph: "" plain, else its caption
    blank = 0

    def flush():
        nonlocal pending
        if pending is None:
            return
        if out:  # never a rule at the very start of a body
            out.append("<hr>")
        if pending:
            out.append(f'<p class="break-caption">{_escape(pending)}</p>')
        pending = None

    for line in lines:
        if not line:
            blank += 1
            continue
        if blank >= threshold and pending is None:
            pending = ""
        blank = 0
        caption = _break(line)
        if caption is None:
            flush()
            out.append(f"<p>{_escape(line)}</p>")
        elif caption:
            if pending:  # two captions in a row each keep their words
                flush()
            pending = caption
        elif pending is None:
            pending = ""
    # Never a rule at the very end, but a closing caption keeps its words.
    if pending:
        out.append(f'<p class="break-caption">{_escape(pending)}</p>')
    return "\n".join(out)


def _paragraphs(lines):
    return "\n".join(f"<p>{_escape(line)}</p>" for line in lines if line)


def _escape(text):
    """Escape a line for HTML, then turn its emphasis marks into tags."""
    escaped = html.escape(text, quote=False)
    for marker, tag in MARKERS.items():
        escaped = escaped.replace(marker, tag)
    return escaped
