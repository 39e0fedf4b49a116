"""Full-text search over titles, creators, tags, summaries, notes and chapter text.

PostgreSQL keeps weighted tsvectors per work (`SearchDocument`, GIN-indexed) and ranks
matches; SQLite, the single-machine default, matches the same columns with LIKE, so the
archive searches everywhere with one interface and only PostgreSQL ranks by relevance.
"""

import html
import re

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape, strip_tags

from archive.models import Chapter, SearchDocument, Tag, TaggedWork, Work

CONFIG = "english"
# A tsvector holds at most 1 MB; a work's first half-million characters are plenty to find it.
MAX_INDEXED_TEXT = 500_000
SNIPPET_WORDS = 30
_TERM = re.compile(r'-?"[^"]+"|-?\S+')


def _postgres():
    return connection.vendor == "postgresql"


def terms(query):
    """The words and "quoted phrases" of a query, minus the -excluded ones, lower-cased."""
    found = [t for t in _TERM.findall(query) if not t.startswith("-")]
    return [t.strip('"').lower() for t in found if t.strip('"')][:10]


def excluded_terms(query):
    return [t[1:].strip('"').lower() for t in _TERM.findall(query) if t.startswith("-")][:10]


def matching(works, query):
    """Works matching a web-search style query ("quoted phrases", -excluded words)."""
    if _postgres():
        # The function (migration 0008) matches through the GIN index even for common words.
        matches = RawSQL(
            "SELECT work_id FROM archive_search_matches(websearch_to_tsquery(%s::regconfig, %s))",
            [CONFIG, query],
        )
        return works.filter(pk__in=matches)
    for term in terms(query):
        works = works.filter(_text_contains(term))
    for term in excluded_terms(query):
        works = works.exclude(_text_contains(term))
    return works


def _text_contains(term):
    return (
        Q(title__icontains=term)
        | Q(creator_name__icontains=term)
        | Q(creator__username__icontains=term)
        | Q(summary__icontains=term)
        | Q(notes__icontains=term)
        | Q(end_notes__icontains=term)
        | Q(pk__in=_tagged_with_a_name_containing(term))
        | Q(pk__in=Chapter.objects.filter(body__icontains=term).values("work"))
    )


def _tagged_with_a_name_containing(term):
    # A synonym's work is found by its canonical tag's name, as on PostgreSQL.
    names = Q(tag__name__icontains=term) | Q(tag__canonical__name__icontains=term)
    return TaggedWork.objects.filter(names).values("content_object")


def by_relevance(works, query, *, hiding=None):
    """The works matching `query` among `works`, best first, as a paginator's object list;
    `hiding` (a condition) leaves works out and counts them (see RankedMatches).

    On PostgreSQL one statement ranks every match (on title, creator, tags and summary, so
    never reading chapter text; works found only in their text follow, most kudos first)
    and the page shown is then fetched as works. SQLite does not rank: newest first.
    """
    return RankedMatches(works, query, hiding=hiding)


class RankedMatches:
    """Matches in rank order: their ids are read once, a page's works when it is shown."""

    def __init__(self, works, query, *, hiding=None):
        self.works = works
        self.query = query
        self.hiding = hiding
        self._ranked = None

    def _ids(self):
        if self._ranked is None:
            self._ranked = _ranked(self.works, self.query, self.hiding)
        return self._ranked

    def count(self):
        return len(self._ids()[0])

    def hidden_count(self):
        return self._ids()[1]

    def with_blurb(self):
        """Pages of matches come with what blurbs show already (like WorkQuerySet's)."""
        return self

    def __getitem__(self, page):
        ids = self._ids()[0][page]
        found = self.works.model.objects.with_blurb().in_bulk(ids)
        return [found[work_id] for work_id in ids]


def _ranked(works, query, hiding):
    """The ids of the matches `hiding` leaves in, best first, and how many it left out."""
    flagged = works.annotate(hidden=_flag(hiding))
    if not _postgres():
        rows = matching(flagged, query).order_by("-updated", "-id").values_list("id", "hidden")
        return _split(rows)
    try:
        listed, params = (
            flagged.order_by().values("id", "kudos_count", "hidden").query.sql_with_params()
        )
    except EmptyResultSet:
        return [], 0
    # A join, not IN: the matches are distinct, and a join lets the planner hash them.
    sql = f"""
        SELECT w.id, w.hidden
        FROM archive_search_matches(websearch_to_tsquery(%s::regconfig, %s)) m
        JOIN ({listed}) w ON w.id = m.work_id
        ORDER BY m.rank DESC, w.kudos_count DESC, w.id DESC
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [CONFIG, query, *params])
        return _split(cursor.fetchall())


def _flag(hiding):
    if hiding is None:
        return Value(False, output_field=BooleanField())
    return ExpressionWrapper(hiding, output_field=BooleanField())


def _split(rows):
    shown, hidden = [], 0
    for work_id, is_hidden in rows:
        if is_hidden:
            hidden += 1
        else:
            shown.append(work_id)
    return shown, hidden


def update_search_documents(work_ids=None):
    """Rebuild the search documents of these works (all works when None); PostgreSQL only."""
    if not _postgres():
        return
    tables = {
        "work": Work._meta.db_table,
        "reader": Work._meta.get_field("creator").related_model._meta.db_table,
        "tagged": TaggedWork._meta.db_table,
        "tag": Tag._meta.db_table,
        "chapter": Chapter._meta.db_table,
        "document": SearchDocument._meta.db_table,
    }
    # Title and creator weigh most, then tags (with their canonical names), then the
    # creator's summary and notes, then the story itself.
    sql = f"""
        INSERT INTO {tables["document"]} (work_id, document, metadata)
        SELECT id, document, ts_filter(document, '{{a,b,c}}') FROM (
        SELECT w.id,
            setweight(to_tsvector('{CONFIG}', w.title || ' ' || w.creator_name || ' '
                || coalesce(r.username, '')), 'A')
            || setweight(to_tsvector('{CONFIG}', coalesce(t.names, '')), 'B')
            || setweight(to_tsvector('{CONFIG}', w.summary || ' ' || w.notes || ' '
                || w.end_notes), 'C')
            || setweight(to_tsvector('{CONFIG}', coalesce(c.text, '')), 'D') AS document
        FROM {tables["work"]} w
        LEFT JOIN {tables["reader"]} r ON r.id = w.creator_id
        LEFT JOIN LATERAL (
            SELECT string_agg(tg.name || ' ' || coalesce(cg.name, ''), ' ') AS names
            FROM {tables["tagged"]} tw
            JOIN {tables["tag"]} tg ON tg.id = tw.tag_id
            LEFT JOIN {tables["tag"]} cg ON cg.id = tg.canonical_id
            WHERE tw.content_object_id = w.id
        ) t ON true
        LEFT JOIN LATERAL (
            SELECT left(string_agg(ch.body, ' ' ORDER BY ch.position), {MAX_INDEXED_TEXT}) AS text
            FROM {tables["chapter"]} ch WHERE ch.work_id = w.id
        ) c ON true
        WHERE %(all)s OR w.id = ANY(%(ids)s::bigint[])
        ) made
        ON CONFLICT (work_id)
        DO UPDATE SET document = EXCLUDED.document, metadata = EXCLUDED.metadata
    """
    ids = list(work_ids or [])
    with connection.cursor() as cursor:
        cursor.execute(sql, {"all": work_ids is None, "ids": ids})


def snippets(works, query, *, readable):
    """A short passage per work, with the query's words marked.

    Story text is quoted only for works in `readable` (those the reader has agreed to);
    for every other work the passage comes from its summary, never from its chapters.
    """
    words = terms(query)
    if not words:
        return {}
    found = {}
    readable_ids = [work.pk for work in works if work.pk in readable]
    if readable_ids:
        anywhere = Q()
        for word in words:
            anywhere |= Q(body__icontains=word)
        chapters = (
            Chapter.objects.filter(anywhere, work__in=readable_ids)
            .order_by("work_id", "position")
            .values_list("work_id", "body")
        )
        for work_id, body in chapters:
            if work_id not in found:
                found[work_id] = _passage(body, words)
    for work in works:
        if work.pk not in found and work.summary:
            passage = _passage(work.summary, words)
            if passage:
                found[work.pk] = passage
    return {work_id: passage for work_id, passage in found.items() if passage}


def _passage(markup, words):
    """The words around the first match, escaped, with matches wrapped in <mark>."""
    text = html.unescape(strip_tags(markup.replace("<", " <")))
    tokens = text.split()
    lowered = [token.lower() for token in tokens]
    start = next(
        (i for i, token in enumerate(lowered) if any(word.split()[0] in token for word in words)),
        None,
    )
    if start is None:
        return ""
    first = max(0, start - SNIPPET_WORDS // 3)
    window = tokens[first : first + SNIPPET_WORDS]
    marked = [
        f"<mark>{escape(token)}</mark>"
        if any(word.split()[0] in token.lower() for word in words)
        else escape(token)
        for token in window
    ]
    prefix = "… " if first else ""
    suffix = " …" if first + SNIPPET_WORDS < len(tokens) else ""
    return prefix + " ".join(marked) + suffix
