"""Full-text search over titles, creators, tags, summaries, notes and chapter text.

PostgreSQL keeps weighted tsvectors per work (`SearchDocument`, GIN-indexed) and ranks
matches; SQLite, the single-machine default, matches the same columns with LIKE, so the
archive searches everywhere with one interface and only PostgreSQL ranks by relevance.
Notes and chapter text decide a match only for works the reader may read without the
consent gate; other works match on what their blurb shows (see `matching`).
"""

import html
import re

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.html import escape, strip_tags

from archive.listing import cache
from archive.models import Chapter, SearchDocument, Tag, TaggedWork, Work
from archive.writing import derived

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


def matching(works, query, *, readable):
    """Works matching a web-search style query ("quoted phrases", -excluded words).

    Chapter text and notes decide a match only for the works in `readable`
    (archive.consent.policy.Readable), those the reader may read without the gate; every other
    work is matched on what its blurb shows (title, creator, tags, summary), so neither
    a match nor an excluded word tells what a gated text holds.
    """
    open_works = readable.condition()
    if _postgres():
        return works.filter(_postgres_match(query, open_works))
    return _sqlite_matching(works, query, open_works)


def _sqlite_matching(works, query, open_works):
    for term in terms(query):
        works = works.filter(_visible_text_contains(term, open_works))
    for term in excluded_terms(query):
        works = works.exclude(_visible_text_contains(term, open_works))
    return works


# The functions (migrations 0008, 0013 and 0023) match through a GIN index even for common
# words: the first everything a work holds, the second only what its blurb shows. Each takes
# the query that matches and the query that ranks (`_arguments`).
_QUERIES = "websearch_to_tsquery(%s::regconfig, %s), websearch_to_tsquery(%s::regconfig, %s)"
_IN_TEXT = f"SELECT work_id FROM archive_search_matches({_QUERIES})"
_IN_METADATA = f"SELECT work_id FROM archive_search_metadata_matches({_QUERIES})"


def _arguments(query):
    """The parameters of _QUERIES: the query itself, then the one that ranks: the query, or
    if it excludes words the words and phrases it asks for (with a negation in it, ts_rank
    gives every match the same rank)."""
    asked = " ".join(f'"{term}"' for term in terms(query)) if excluded_terms(query) else ""
    return [CONFIG, query, CONFIG, asked or query]


def _postgres_match(query, open_works):
    in_text = RawSQL(_IN_TEXT, _arguments(query))
    if open_works is None:
        return Q(pk__in=in_text)
    # One set of ids from two index-backed matches over disjoint works, so the cost follows
    # the matches, not the archive (an OR of the two would test every work).
    in_metadata = RawSQL(_IN_METADATA, _arguments(query))
    ids = Work.objects.order_by().values("pk")
    by_text = ids.filter(open_works, pk__in=in_text)
    by_blurb = ids.exclude(open_works).filter(pk__in=in_metadata)
    return Q(pk__in=by_text.union(by_blurb, all=True))


def _visible_text_contains(term, open_works):
    if open_works is None:
        return _metadata_contains(term) | _text_contains(term)
    return _metadata_contains(term) | (open_works & _text_contains(term))


def _metadata_contains(term):
    """What the blurb (and so the interstitial) shows of a work."""
    return (
        Q(title__icontains=term)
        | Q(creator_name__icontains=term)
        | Q(creator__username__icontains=term)
        | Q(summary__icontains=term)
        | Q(pk__in=_tagged_with_a_name_containing(term))
    )


def _text_contains(term):
    """What only a reader past the gate sees: the notes and the story."""
    return (
        Q(notes__icontains=term)
        | Q(end_notes__icontains=term)
        | Q(pk__in=Chapter.objects.posted().filter(body__icontains=term).values("work"))
    )


def _tagged_with_a_name_containing(term):
    # A synonym's work is found by its canonical tag's name, as on PostgreSQL.
    names = Q(tag__name__icontains=term) | Q(tag__canonical__name__icontains=term)
    return TaggedWork.objects.filter(names).values("content_object")


# The best shown matches a search keeps for each state of the archive (25 pages of 20):
# readers page through them, and search again, without ranking again.
KEPT = 500


class Ranking:
    """A search's matches among some works, best first, read a window of ids at a time.

    `readable` is what the reader may read without the gate (see `matching`); `hiding` (a
    condition) leaves works out and counts them. On PostgreSQL matches are ranked on title,
    creator, tags and summary, so ranking never reads chapter text or notes; works found only
    in their text follow, most kudos first. SQLite does not rank: newest first.

    Ranking reads every match, so its cost grows with the archive; one statement ranks the
    best KEPT ids and counts (shown, hidden) together, and `remembered`
    (archive.listing.cache.Remembered) keeps them until the works next change. Pages within
    them then cost no ranking at all, and a reader paging through meets every work once;
    kudos only break ties of relevance, so a tie keeps the order it had when it was ranked.
    Like a listing's counts, a ranking made a few seconds before the works last changed is
    served late while the job worker ranks again (`best_matches`), so on a live archive a
    search does not rank every match on each request; a late ranking lists only the works
    that still belong in it (visible, kept by the filters, not hidden), and a work posted
    since joins it once ranked again.
    """

    def __init__(self, works, query, *, readable, hiding=None, remembered=cache.not_remembered):
        self._arguments = (works, query, readable.condition(), hiding)
        self._matches = _Matches(*self._arguments)
        self._remembered = remembered
        self._kept = None

    def count(self):
        """(shown, hidden), counted by the statement that ranks the best ids, which are kept."""
        if self._kept is None:
            self._kept = self._remembered("ranking", best_matches, *self._arguments)
        return self._kept[1]

    def works(self, start, stop, *, counts=None):
        """The shown matches from `start` to `stop`, with what their blurbs show; `counts`
        (shown, hidden) is needed once `hiding` hides anything (see _Matches.page)."""
        ids = self._ids(start, stop, counts)
        works = Work.objects.all()
        if self._remembered.late:  # ranked before the works last changed: ask again
            works, query, open_works, hiding = self._arguments
            works = works.annotate(is_hidden=_flag(hiding)).filter(is_hidden=False)
            works = _still_matching(works, ids, query, open_works)
        read = works.select_related("creator").with_listing_generation()
        found = read.order_by().in_bulk(ids)
        # A kept id whose work was deleted since is left out rather than failing the page.
        return [found[work_id] for work_id in ids if work_id in found]

    def _ids(self, start, stop, counts):
        if self._kept is not None:
            kept, (shown, _) = self._kept
            if stop <= len(kept) or len(kept) == shown:  # inside the kept, or all are kept
                return kept[start:stop]
        return self._matches.page(start, stop, counts)


# The works among some ids whose search document (or, for a work the reader may not read,
# its blurb's part) matches a query: a page's worth, read through the primary key.
_AMONG = (
    "SELECT work_id FROM archive_searchdocument WHERE work_id = ANY(%s::bigint[]) "
    "AND {} @@ websearch_to_tsquery(%s::regconfig, %s)"
)


def _still_matching(works, ids, query, open_works):
    """Those of `works` among `ids` that match `query` now: a late ranking's page keeps no
    work that stopped matching (a creator who deleted their account is not found by their
    name, not even for a few seconds), reading only the page's search documents."""
    works = works.filter(pk__in=ids)
    if not _postgres():
        return _sqlite_matching(works, query, open_works)
    in_text = Q(pk__in=RawSQL(_AMONG.format("document"), [list(ids), CONFIG, query]))
    if open_works is None:
        return works.filter(in_text)
    in_blurb = Q(pk__in=RawSQL(_AMONG.format("metadata"), [list(ids), CONFIG, query]))
    return works.filter((open_works & in_text) | (~open_works & in_blurb))


def best_matches(works, query, open_works, hiding):
    """The best KEPT shown ids of a search and its (shown, hidden) counts: what a Ranking
    keeps, as a module's function so that the job worker can rank again
    (archive.listing.cache)."""
    return _Matches(works, query, open_works, hiding).best()


class _Matches:
    """The SQL of a search's matches among some works, each flagged when `hiding` hides it."""

    def __init__(self, works, query, open_works, hiding):
        self.works = works
        self.query = query
        self.open_works = open_works
        self.hiding = hiding
        try:
            self.sql, self.params, self.order = self._source(
                works.annotate(is_hidden=_flag(hiding))
            )
        except EmptyResultSet:
            self.sql = None

    def _source(self, flagged):
        if not _postgres():
            listed = (
                _sqlite_matching(flagged, self.query, self.open_works)
                .order_by()
                .values("id", "is_hidden", "updated")
            )
            sql, params = listed.query.sql_with_params()
            return sql, params, "updated DESC, id DESC"
        order = "rank DESC, kudos_count DESC, id DESC"
        if self.open_works is None:
            listed = flagged.order_by().values("id", "is_hidden", "kudos_count")
            sql, params = listed.query.sql_with_params()
            # A join, not IN: the matches are distinct, and a join lets the planner hash them.
            source = f"""
                SELECT w.id, w.is_hidden, m.rank, w.kudos_count
                FROM archive_search_matches({_QUERIES}) m
                JOIN ({sql}) w ON w.id = m.work_id
            """
            return source, [*_arguments(self.query), *params], order
        # A work open to the reader matches on everything it holds, any other on its blurb:
        # each match says which, and one join keeps the match that counts for its work.
        opened = flagged.annotate(is_open=Case(When(self.open_works, then=True), default=False))
        listed = opened.order_by().values("id", "is_hidden", "kudos_count", "is_open")
        sql, params = listed.query.sql_with_params()
        source = f"""
            SELECT w.id, w.is_hidden, m.rank, w.kudos_count
            FROM (
                SELECT work_id, rank, true AS by_text
                FROM archive_search_matches({_QUERIES})
                UNION ALL
                SELECT work_id, rank, false
                FROM archive_search_metadata_matches({_QUERIES})
            ) m
            JOIN ({sql}) w ON w.id = m.work_id AND w.is_open = m.by_text
        """
        return source, [*_arguments(self.query), *_arguments(self.query), *params], order

    def best(self):
        """The best KEPT shown ids, and (shown, hidden) counted by the same statement."""
        if self.sql is None:
            return [], (0, 0)
        sql = f"""
            SELECT id, shown, hidden FROM (
                SELECT *,
                    COUNT(*) FILTER (WHERE NOT is_hidden) OVER () AS shown,
                    COUNT(*) FILTER (WHERE is_hidden) OVER () AS hidden
                FROM ({self.sql}) matches
            ) counted
            WHERE NOT is_hidden
            ORDER BY {self.order}
            LIMIT %s
        """
        rows = self._fetch(sql, [*self.params, KEPT])
        if not rows:  # no shown match came back to carry the counts: count without them
            return [], self.totals()
        return [row[0] for row in rows], (rows[0][1], rows[0][2])

    def page(self, start, stop, totals):
        """The shown ids from `start` to `stop`; `totals` (shown, hidden) is read only when
        `hiding` hides works on PostgreSQL."""
        if self.sql is None:
            return []
        if self.hiding is None or not _postgres():
            sql = f"""
                SELECT id FROM ({self.sql}) matches
                WHERE NOT is_hidden
                ORDER BY {self.order}
                LIMIT %s OFFSET %s
            """
            return [row[0] for row in self._fetch(sql, [*self.params, stop - start, start])]
        # Rank the best matches without asking whether each is hidden, then ask it of those
        # alone, best first, until the page is full: a reader who hides much then ranks as
        # cheaply as a guest. The candidates are the page's share of all matches, twice over;
        # when the hidden ones crowd the top more than that, every match is a candidate.
        shown, hidden = totals
        wanted = max(0, min(stop, shown) - start)
        candidates = 2 * stop * (shown + hidden) // max(shown, 1) + stop
        ids = self._ranked_then_shown(start, stop, candidates)
        if len(ids) < wanted:
            ids = self._ranked_then_shown(start, stop, None)
        return ids

    def _ranked_then_shown(self, start, stop, candidates):
        ranked, params = self._source(self.works.annotate(is_hidden=_flag(None)))[:2]
        flags = self.works.model.objects.annotate(is_hidden=_flag(self.hiding))
        flags_sql, flags_params = flags.values("id", "is_hidden").query.sql_with_params()
        sql = f"""
            SELECT id FROM (
                SELECT * FROM ({ranked}) matches ORDER BY {self.order} LIMIT %s
            ) best
            WHERE NOT (SELECT flags.is_hidden FROM ({flags_sql}) flags WHERE flags.id = best.id)
            ORDER BY {self.order}
            LIMIT %s OFFSET %s
        """
        rows = self._fetch(sql, [*params, candidates, *flags_params, stop - start, start])
        return [row[0] for row in rows]

    def totals(self):
        if self.sql is None:
            return 0, 0
        sql = f"""
            SELECT COUNT(*) FILTER (WHERE NOT is_hidden), COUNT(*) FILTER (WHERE is_hidden)
            FROM ({self.sql}) matches
        """
        return tuple(self._fetch(sql, self.params)[0])

    def _fetch(self, sql, params):
        with connections[self.works.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _flag(hiding):
    if hiding is None:
        return Value(False, output_field=BooleanField())
    return ExpressionWrapper(hiding, output_field=BooleanField())


def update_search_documents(work_ids=None):
    """Rebuild the search documents of these works (all works when None), and renew the
    listing generation, since search counts read them; PostgreSQL only."""
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
    # summary: what a blurb shows, and `metadata` holds (A to C). Notes are read past the
    # gate, like the story, so they weigh least with it and stay out of `metadata`.
    sql = f"""
        INSERT INTO {tables["document"]} (work_id, document, metadata)
        SELECT id, document, ts_filter(document, '{{a,b,c}}') FROM (
        SELECT w.id,
            setweight(to_tsvector('{CONFIG}', w.title || ' ' || w.creator_name || ' '
                || coalesce(r.username, '')), 'A')
            || setweight(to_tsvector('{CONFIG}', coalesce(t.names, '')), 'B')
            || setweight(to_tsvector('{CONFIG}', w.summary), 'C')
            || setweight(to_tsvector('{CONFIG}', w.notes || ' ' || w.end_notes || ' '
                || coalesce(c.text, '')), 'D') AS document
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
            FROM {tables["chapter"]} ch WHERE ch.work_id = w.id AND ch.is_posted
        ) c ON true
        WHERE %(all)s OR w.id = ANY(%(ids)s::bigint[])
        ) made
        ON CONFLICT (work_id)
        DO UPDATE SET document = EXCLUDED.document, metadata = EXCLUDED.metadata
    """
    ids = list(work_ids or [])
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(sql, {"all": work_ids is None, "ids": ids})
        derived.renew_listing_generation()


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
        # The first posted chapter with a match, one per work: a long work's other chapters
        # are neither sent nor read.
        first = Chapter.objects.posted().filter(anywhere, work=OuterRef("pk")).order_by("position")
        bodies = Work.objects.filter(pk__in=readable_ids).annotate(
            body=Subquery(first.values("body")[:1])
        )
        for work_id, body in bodies.values_list("pk", "body"):
            if body:
                found[work_id] = _passage(body, words)
    for work in works:
        if work.pk not in found and work.summary:
            passage = _passage(work.summary, words)
            if passage:
                found[work.pk] = passage
    return {work_id: passage for work_id, passage in found.items() if passage}


# How much markup around the first match a passage is read from: enough for its words.
AROUND_MATCH = 2000


def _passage(markup, words):
    """The words around the first match, escaped, with matches wrapped in <mark>.

    Only the markup around the first place a word occurs is read (a chapter can be long);
    if that place was inside a tag, or the words only match once unescaped, all of it is.
    """
    heads = [word.split()[0] for word in words]
    hit = re.search("|".join(re.escape(head) for head in heads), markup, re.IGNORECASE)
    if hit is None or len(markup) <= 3 * AROUND_MATCH:
        return _passage_in(markup, heads)
    # From just after a tag ends to just before one begins, so no tag is cut in two.
    start = markup.rfind(">", 0, max(hit.start() - AROUND_MATCH, 0)) + 1
    end = markup.find("<", hit.end() + AROUND_MATCH)
    end = len(markup) if end == -1 else end
    around = _passage_in(markup[start:end], heads, before=start > 0, after=end < len(markup))
    return around or _passage_in(markup, heads)


def _passage_in(markup, heads, *, before=False, after=False):
    """The passage from `markup`, which may be a part of a longer text (`before` and
    `after` say whether there is more on either side); "" when no word matches in it."""
    text = html.unescape(strip_tags(markup.replace("<", " <")))
    tokens = text.split()
    start = next(
        (i for i, token in enumerate(tokens) if any(head in token.lower() for head in heads)),
        None,
    )
    if start is None:
        return ""
    first = max(0, start - SNIPPET_WORDS // 3)
    window = tokens[first : first + SNIPPET_WORDS]
    marked = [
        f"<mark>{escape(token)}</mark>"
        if any(head in token.lower() for head in heads)
        else escape(token)
        for token in window
    ]
    prefix = "… " if first or before else ""
    suffix = " …" if first + SNIPPET_WORDS < len(tokens) or after else ""
    return prefix + " ".join(marked) + suffix
