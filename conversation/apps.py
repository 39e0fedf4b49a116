from django.apps import AppConfig


class ConversationConfig(AppConfig):
    name = "conversation"
    verbose_name = "Comments and inbox"

    def ready(self):
        from accounts import account
        from conversation import account as conversation_account

        account.add_part(conversation_account.PART)
