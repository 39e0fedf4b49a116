from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Reader
from archive.admin_input import CheckedInputs


@admin.register(Reader)
class ReaderAdmin(CheckedInputs, UserAdmin):
    # A reader's standing consent choices, display settings and history switch are theirs
    # alone (what they choose to see says a lot about them), so staff are not shown them.
    list_display = ["username", "email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "date_joined"]
