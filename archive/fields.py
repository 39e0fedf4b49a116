"""Sets of ids or codes in one column, with the lookups that filters and facets use.

PostgreSQL stores a set as an array (`bigint[]` or `text[]`, GIN-indexable, `@>` and `&&`);
SQLite, the one-machine default, as a JSON list read with `json_each`. Both answer the same
lookups, so the code that filters works never asks which database it runs on.
"""

import json

from django.db import models
from django.db.models import Lookup


class SetField(models.Field):
    """A sorted set of integers (`of="bigint"`) or strings (`of="text"`)."""

    description = "A set of ids or codes"
    _types = {"bigint": int, "text": str}

    def __init__(self, *args, of="bigint", **kwargs):
        self.of = of
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.of != "bigint":
            kwargs["of"] = self.of
        return name, path, args, kwargs

    def members(self, value):
        if value is None:
            return []
        if isinstance(value, str):
            value = json.loads(value)
        return sorted({self._types[self.of](item) for item in value})

    def db_type(self, connection):
        return f"{self.of}[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        return self.members(value)

    def to_python(self, value):
        return self.members(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        members = self.members(value)
        return members if connection.vendor == "postgresql" else json.dumps(members)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


class _SetLookup(Lookup):
    """`field__has_all=[...]` and `field__has_any=[...]`; the members are given, never a
    column."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        members = field.members(self.rhs)
        if connection.vendor == "postgresql":
            return f"{column} {self.postgres_operator} %s::{field.of}[]", [*params, members]
        placeholders = ", ".join(["%s"] * len(members)) or "NULL"
        found = (
            f"SELECT COUNT(DISTINCT value) FROM json_each({column}) WHERE value IN ({placeholders})"
        )
        return f"({found}) {self.sqlite_comparison(len(members))}", [*params, *members]


@SetField.register_lookup
class HasAll(_SetLookup):
    lookup_name = "has_all"
    postgres_operator = "@>"

    def sqlite_comparison(self, count):
        return f"= {count}"


@SetField.register_lookup
class HasAny(_SetLookup):
    lookup_name = "has_any"
    postgres_operator = "&&"

    def sqlite_comparison(self, count):
        return "> 0"
