"""For the suites that sweep the whole site: every route, walked from the URL configuration,
URLs built from them with any values (hostile ones too), and everything that is saved."""

import re
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver

# <int:work_id>, <slug:slug>, <token> (str by default) and (?P<name>...) groups.
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    pattern: str  # "works/<int:work_id>/chapters/<int:position>/"
    name: str  # "archive:chapter_detail"
    callback: object

    @property
    def parameters(self):
        """{name: converter} for each value the route takes, in order."""
        return {
            match["name"] or match["group"]: match["converter"] or "str"
            for match in PARAMETER.finditer(self.pattern)
        }

    @property
    def namespace(self):
        return self.name.partition(":")[0]

    def url(self, values):
        """The path with each parameter replaced by `values[name]`, percent-encoded."""

        def fill(match):
            return quote(str(values[match["name"] or match["group"]]), safe="")

        path = PARAMETER.sub(fill, self.pattern)
        return "/" + path.removeprefix("^").removesuffix("$").replace("^", "")

    def __str__(self):
        return self.name


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name or entry.pattern}".lstrip(":")
            yield Route(prefix + str(entry.pattern), name, entry.callback)


def all_routes():
    return list(walk(get_resolver().url_patterns))


def site_routes():
    """Every route but the admin's (staff only, and Django's own code)."""
    return [route for route in all_routes() if route.namespace != "admin"]


def saved_rows():
    """Every row of every installed model, sessions decoded (consents live there)."""
    rows = {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model is not Session
    }
    rows["sessions"] = [
        (session.session_key, session.get_decoded()) for session in Session.objects.order_by("pk")
    ]
    return rows


# Statements that change no row: reads, and the savepoints each request is rolled back to.
READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK")


@contextmanager
def statements_that_may_write():
    """The statements run meanwhile that may change a row (anything but a read or a
    savepoint's bookkeeping), collected in the list it yields. A request that ran none saved
    nothing, so the sweeps compare every row (saved_rows, slow) only after one that did."""
    writes = []

    def watch(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(READS):
            writes.append(sql)
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(watch))
        yield writes
