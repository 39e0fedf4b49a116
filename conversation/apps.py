from django.apps import AppConfig


class ConversationConfig(AppConfig):
    name = "conversation"
    verbose_name = "Comments and inbox"

    def ready(self):
        from accounts import account
        from archive.writing import news
        from conversation import account as conversation_account
        from conversation import kudos

        account.add_part(conversation_account.PART)
        account.add_part(kudos.PART)
        # Creators hear of kudos on their works; the archive announces them.
        news.listen(kudos)
