"""Counts over a whole filtered result: by rating, category, archive warning and tag family.

One statement materialises the result once and counts it every way, so a listing pays for
its filter once however many facets it shows. The total is the sum of the rating counts
(every work has exactly one rating), so the paginator needs no count of its own. Tags are
counted by family (a canonical tag with its synonyms, from Work.families), which is what
including a facet's tag returns; warnings from Work.warning_set.
"""

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections

from archive.models import Tag
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind

FACET_LIMIT = 10
FACET_MORE_LIMIT = 100

# One row per member of a set column of the result, for the database at hand.
_MEMBERS = {
    "postgresql": "SELECT m.member FROM hits CROSS JOIN LATERAL unnest(hits.{column}) AS m(member)",
    "sqlite": "SELECT m.value AS member FROM hits, json_each(hits.{column}) AS m",
}


@dataclass
class Facets:
    total: int = 0
    ratings: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)


def count(works, *, omit_families=(), more=None):
    """The total and the facets of `works`; the families in `omit_families` (tags already
    chosen, or the tag whose page this is) are not offered again."""
    try:
        hits, params = (
            works.order_by()
            .values_list("id", "rating", "categories", "families", "warning_set")
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return Facets()
    omit = list(omit_families)
    database = connections[works.db]
    members = _MEMBERS[database.vendor]
    not_omitted = f"WHERE member NOT IN ({', '.join(['%s'] * len(omit))})" if omit else ""
    sql = f"""
        WITH hits (id, rating, categories, families, warning_set) AS MATERIALIZED ({hits}),
        families AS (
            SELECT member AS family, COUNT(*) AS n
            FROM ({members.format(column="families")}) rows
            {not_omitted}
            GROUP BY member
        ),
        ranked AS (
            SELECT t.kind, t.name, c.n,
                ROW_NUMBER() OVER (PARTITION BY t.kind ORDER BY c.n DESC, t.name) AS position
            FROM families c JOIN {Tag._meta.db_table} t ON t.id = c.family
        )
        SELECT 'rating', rating, COUNT(*), 0 FROM hits GROUP BY rating
        UNION ALL
        SELECT 'category', member, COUNT(*), 0
        FROM ({members.format(column="categories")}) categories
        GROUP BY member
        UNION ALL
        SELECT 'warning', member, COUNT(*), 0
        FROM ({members.format(column="warning_set")}) warnings
        GROUP BY member
        UNION ALL
        SELECT kind, name, n, position FROM ranked
        WHERE position <= CASE WHEN kind = %s THEN %s ELSE %s END
    """
    limits = [more or "", FACET_MORE_LIMIT + 1, FACET_LIMIT + 1]
    with database.cursor() as cursor:
        cursor.execute(sql, [*params, *omit, *limits])
        return _facets(cursor.fetchall(), more)


def _facets(rows, more):
    found = {"rating": {}, "category": {}, "warning": {}}
    tags = {
        kind: {"kind": kind, "label": label, "tags": [], "has_more": False}
        for kind, label in TagKind.choices
    }
    # Rows of a UNION come in no particular order: tags are put in rank order here.
    for facet, value, number, position in sorted(rows, key=lambda row: row[3]):
        if facet in found:
            found[facet][value] = number
        elif position > (FACET_MORE_LIMIT if facet == more else FACET_LIMIT):
            tags[facet]["has_more"] = True
        else:
            tags[facet]["tags"].append({"name": value, "count": number})
    return Facets(
        total=sum(found["rating"].values()),
        ratings=_vocabulary(Rating, found["rating"]),
        warnings=_vocabulary(ArchiveWarning, found["warning"]),
        categories=_vocabulary(Category, found["category"]),
        tags=[facet for facet in tags.values() if facet["tags"]],
    )


def _vocabulary(vocabulary, counts):
    return [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in vocabulary.choices
        if counts.get(value)
    ]
