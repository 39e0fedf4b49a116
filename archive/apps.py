from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"

    def ready(self):
        from accounts import account
        from archive import account as archive_account
        from archive import checks  # noqa: F401  (registers the self-hosting checks)

        account.add_part(archive_account.PART)
