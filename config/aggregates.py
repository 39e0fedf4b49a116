"""Rows folded into one text by the database, and read back: how the sign-in backend
(config.auth) reads a reader's few ids and choices in the query that reads the reader.

Django 5.2 has a string aggregate for PostgreSQL only (contrib.postgres), so `Joined` names
each database's own: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite. The values must not
hold the separators, which ids and vocabulary values ("rating:explicit") never do.
"""

from django.db.models import Aggregate, TextField, Value
from django.db.models.functions import Cast, Concat

SEPARATOR = ","
PAIRED = "="


class Joined(Aggregate):
    """The values of an expression over the rows, as text joined with commas, in no given
    order; NULL over no rows."""

    template = f"%(function)s(%(expressions)s, '{SEPARATOR}')"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(Cast(expression, TextField()), **extra)

    @classmethod
    def pairs(cls, key, value):
        """The (key, value) pairs of the rows, as `pairs_of` reads them back."""
        return cls(Concat(key, Value(PAIRED), value, output_field=TextField()))

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def ids_of(joined) -> frozenset[int]:
    """The ids a `Joined` of ids holds (None, over no rows, holds none)."""
    return frozenset(int(value) for value in _values(joined))


def pairs_of(joined) -> dict[str, str]:
    """The {key: value} a `Joined.pairs` holds (None, over no rows, holds none)."""
    return dict(value.split(PAIRED, 1) for value in _values(joined))


def _values(joined):
    return joined.split(SEPARATOR) if joined else []
