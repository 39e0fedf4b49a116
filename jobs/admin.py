from django.contrib import admin

from jobs.models import FailedJob


@admin.register(FailedJob)
class FailedJobAdmin(admin.ModelAdmin):
    list_display = ["task", "error", "attempts", "failed_at"]
    list_filter = ["task", "error"]
    readonly_fields = ["task", "task_id", "arguments", "error", "detail", "attempts", "failed_at"]

    def has_add_permission(self, request):
        return False
