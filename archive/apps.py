from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"

    def ready(self):
        from archive import checks  # noqa: F401  (registers the self-hosting checks)
