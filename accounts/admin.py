from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from accounts.account import delete_account, readers_renamed
from accounts.models import Reader
from config.admin_input import CheckedInputs


@admin.register(Reader)
class ReaderAdmin(CheckedInputs, UserAdmin):
    # A reader's standing consent choices, display settings and history switch are theirs
    # alone (what they choose to see says a lot about them), so staff are not shown them.
    list_display = ["username", "email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "date_joined"]

    # Search matches creators by username, which each app hears of. Deleting a reader here
    # is the same as their deleting their account: their works stay, orphaned, and the
    # counters their kudos and bookmarks were in are recounted.
    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "username" in form.changed_data:
            readers_renamed(reader_ids=[obj.pk])

    def get_deleted_objects(self, objs, request):
        # What deleting a reader takes with it is decided by delete_account, not by the
        # admin's permissions on those rows (kudos and history are read-only here).
        deleted, model_count, _, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    @transaction.atomic
    def delete_model(self, request, obj):
        delete_account(reader=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for reader in queryset.order_by("pk"):
            delete_account(reader=reader)
