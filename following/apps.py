from django.apps import AppConfig


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = "Subscriptions and alerts"

    def ready(self):
        from accounts import account
        from archive.stats import figures
        from archive.writing import news
        from following import account as following_account
        from following import subscriptions, updates

        # Subscribers hear of what the archive posts; it announces, and updates records.
        news.listen(updates)
        account.add_part(following_account.PART)
        # The creator's statistics count a work's subscribers here.
        figures.count_totals_with(subscriptions.totals)
