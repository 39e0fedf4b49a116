"""A set of tag ids in one column, with lookups that filters and facets use.

PostgreSQL stores it as `bigint[]` (GIN-indexed, `@>` and `&&`); SQLite, the one-machine
default, as a JSON list read with `json_each`. Both answer the same lookups, so the code that
filters works never asks which database it runs on.
"""

import json

from django.db import models
from django.db.models import Lookup


def _ids(value):
    if value is None:
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return sorted({int(item) for item in value})


class TagIdsField(models.Field):
    description = "A set of tag ids"

    def db_type(self, connection):
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        return _ids(value)

    def to_python(self, value):
        return _ids(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        ids = _ids(value)
        return ids if connection.vendor == "postgresql" else json.dumps(ids)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


class _TagIdsLookup(Lookup):
    """`field__has_all=[ids]` and `field__has_any=[ids]`; the ids are given, never a column."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        ids = _ids(self.rhs)
        if connection.vendor == "postgresql":
            return f"{column} {self.postgres_operator} %s::bigint[]", [*params, ids]
        placeholders = ", ".join(["%s"] * len(ids)) or "NULL"
        found = (
            f"SELECT COUNT(DISTINCT value) FROM json_each({column}) WHERE value IN ({placeholders})"
        )
        return f"({found}) {self.sqlite_comparison(len(ids))}", [*params, *ids]


@TagIdsField.register_lookup
class HasAll(_TagIdsLookup):
    lookup_name = "has_all"
    postgres_operator = "@>"

    def sqlite_comparison(self, count):
        return f"= {count}"


@TagIdsField.register_lookup
class HasAny(_TagIdsLookup):
    lookup_name = "has_any"
    postgres_operator = "&&"

    def sqlite_comparison(self, count):
        return "> 0"
