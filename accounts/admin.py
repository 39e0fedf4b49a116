from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import ConsentChoice, Reader


class ConsentChoiceInline(admin.TabularInline):
    model = ConsentChoice
    extra = 0


@admin.register(Reader)
class ReaderAdmin(UserAdmin):
    list_display = ["username", "email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "history_enabled", "date_joined"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "Reading",
            {
                "fields": [
                    "history_enabled",
                    "font_size",
                    "font",
                    "line_spacing",
                    "text_width",
                    "theme",
                ]
            },
        ),
    ]
    inlines = [ConsentChoiceInline]
