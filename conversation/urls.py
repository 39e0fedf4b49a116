from django.urls import path

from conversation.views import comments, inbox, moderation

app_name = "conversation"

COMMENT = "works/<int:work_id>/comments/<int:comment_id>/"

urlpatterns = [
    path("works/<int:work_id>/comments/", comments.work_comments, name="work_comments"),
    path(
        "works/<int:work_id>/chapters/<int:position>/comments/",
        comments.chapter_comments,
        name="chapter_comments",
    ),
    path(COMMENT, comments.comment_detail, name="comment"),
    path(f"{COMMENT}reply/", comments.reply, name="reply"),
    path(f"{COMMENT}edit/", comments.edit_comment, name="edit_comment"),
    path(f"{COMMENT}delete/", moderation.delete_comment, name="delete_comment"),
    path(f"{COMMENT}approve/", moderation.approve_comment, name="approve_comment"),
    path(f"{COMMENT}spam/", moderation.mark_spam, name="mark_spam"),
    path(f"{COMMENT}freeze/", moderation.freeze_thread, name="freeze_thread"),
    path(f"{COMMENT}hide/", moderation.hide_comment, name="hide_comment"),
    path(f"{COMMENT}report/", moderation.report_comment, name="report_comment"),
    path(
        "works/<int:work_id>/comments/approve-held/",
        moderation.approve_held_comments,
        name="approve_held_comments",
    ),
    path(
        "works/<int:work_id>/comment-settings/",
        moderation.comment_settings,
        name="comment_settings",
    ),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/update/", inbox.update_inbox, name="update_inbox"),
    path("inbox/approve-held/", inbox.approve_held_comments, name="approve_held_in_inbox"),
    path("inbox/settings/", inbox.notification_settings, name="notification_settings"),
]
