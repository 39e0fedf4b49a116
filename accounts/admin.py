from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from accounts.account import readers_renamed
from accounts.models import Reader
from config.admin_input import CheckedInputs


@admin.register(Reader)
class ReaderAdmin(CheckedInputs, UserAdmin):
    # A reader's standing consent choices, display settings and history switch are theirs
    # alone (what they choose to see says a lot about them), so staff are not shown them.
    list_display = ["username", "email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "date_joined"]

    # Search matches creators by username, and a deleted reader's works lose their creator:
    # both change what listings count, which each app hears of.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "username" in form.changed_data:
            readers_renamed()

    @transaction.atomic
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        readers_renamed()

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        readers_renamed()
