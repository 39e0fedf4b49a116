from django.urls import path

from following import views

app_name = "following"

urlpatterns = [
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/new/", views.whats_new, name="whats_new"),
    path(
        "subscriptions/delete/",
        views.delete_all_subscriptions,
        name="delete_all_subscriptions",
    ),
    path("subscriptions/works/<int:work_id>/", views.subscribe_work, name="subscribe_work"),
    path("subscriptions/users/<str:username>/", views.subscribe_creator, name="subscribe_creator"),
    path("subscriptions/series/<int:series_id>/", views.subscribe_series, name="subscribe_series"),
    path("unsubscribe/<str:token>/", views.unsubscribe_link, name="unsubscribe"),
]
