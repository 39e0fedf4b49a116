"""Staff's side of comments: the queue of reports, with hide and dismiss, and every comment
to hide, or to show again when its creator marked it as spam by mistake. Nothing is deleted
or edited here: hiding keeps threads and counts true."""

from django.contrib import admin

from conversation import comments
from conversation.models import Comment, CommentReport, CommentStatus


@admin.action(description="Hide the reported comments (and close their reports)")
def hide_reported(modeladmin, request, queryset):
    hidden = 0
    for report in queryset.select_related("comment"):
        comments.hide_comment(comment=report.comment, by=request.user)
        hidden += 1
    modeladmin.message_user(request, f"Hid the comments of {hidden} report(s).")


@admin.action(description="Dismiss the selected reports (the comments stay)")
def dismiss(modeladmin, request, queryset):
    dismissed = comments.dismiss_reports(reports=queryset, by=request.user)
    modeladmin.message_user(request, f"Dismissed {dismissed} report(s).")


@admin.action(description="Hide the selected comments")
def hide_comments(modeladmin, request, queryset):
    chosen = list(queryset)
    for comment in chosen:
        comments.hide_comment(comment=comment, by=request.user)
    modeladmin.message_user(request, f"Hid {len(chosen)} comment(s).")


@admin.action(description="Not spam: show the selected comments marked as spam again")
def restore_spam(modeladmin, request, queryset):
    chosen = list(queryset.filter(status=CommentStatus.SPAM))
    for comment in chosen:
        comments.restore_spam(comment=comment, by=request.user)
    modeladmin.message_user(request, f"Showed {len(chosen)} comment(s) again.")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommentReport)
class CommentReportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reason", "status", "comment_link", "reporter", "details"]
    list_filter = ["status", "reason"]
    list_select_related = ["comment", "reporter"]
    actions = [hide_reported, dismiss]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("comment__author")

    @admin.display(description="Comment")
    def comment_link(self, report):
        return f"{report.comment.name}: {report.comment.body[:120]}"


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "name", "work", "status", "short_body"]
    list_filter = ["status"]
    list_select_related = ["author", "work"]
    search_fields = ["body", "author__username", "guest_name", "guest_email"]
    raw_id_fields = ["work", "chapter", "parent", "root", "author", "hidden_by"]
    actions = [hide_comments, restore_spam]

    @admin.display(description="Comment")
    def short_body(self, comment):
        return comment.body[:120]
