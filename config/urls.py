from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", include("archive.urls")),
    path("", include("accounts.urls")),
    path("", include("following.urls")),
    path("", include("conversation.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

# Losing the database where no middleware can catch it is still the friendly 503.
handler500 = "config.views.server_error"
