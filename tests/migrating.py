"""Step one app's migrations back to test a migration on rows made before it."""

from contextlib import contextmanager

from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def stepped_back(app, migration):
    """The apps as they were at `app`'s `migration`, the other apps at their latest (as
    their tables in the database are); every migration is applied again afterwards."""
    executor = MigrationExecutor(connection)
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != app]
    targets = [(app, migration), *others]
    executor.migrate(targets)
    try:
        yield MigrationExecutor(connection).loader.project_state(targets).apps
    finally:
        migrate_forward()


def migrate_forward():
    """Apply every migration; the apps as they are now."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    return current_apps
