from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import account, display, exclusions, feeds, people, preferences
from config.limits import limit_login

app_name = "accounts"

urlpatterns = [
    path("signup/", account.signup, name="signup"),
    path("login/", limit_login(auth_views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("preferences/tags/", exclusions.excluded_tags, name="excluded_tags"),
    path("preferences/tags/exclude/", exclusions.exclude_tag, name="exclude_tag"),
    path("preferences/tags/<int:pk>/include/", exclusions.include_tag, name="include_tag"),
    path("preferences/people/", people.people, name="people"),
    path("people/<str:username>/", people.relation, name="relation"),
    path("filters/", exclusions.saved_filters, name="saved_filters"),
    path("filters/save/", exclusions.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", exclusions.delete_filter, name="delete_filter"),
    path("account/", account.account, name="account"),
    path("account/export/", account.account_export, name="account_export"),
    path("account/delete/", account.account_delete, name="account_delete"),
    path("account/password/", account.password_change, name="password_change"),
    path("account/password/done/", account.password_change_done, name="password_change_done"),
    path("password-reset/", account.password_reset, name="password_reset"),
    path("password-reset/sent/", account.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", account.password_reset_complete, name="password_reset_complete"),
    path("display/", display.display_settings, name="display"),
    path("account/feeds/", feeds.feeds, name="feeds"),
    path("account/feeds/new/", feeds.new_feed_token, name="new_feed_token"),
    path("account/feeds/revoke/", feeds.revoke_feed_token, name="revoke_feed_token"),
]
