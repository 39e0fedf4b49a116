from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from config import views

urlpatterns = [
    path("", include("archive.urls")),
    path("", include("accounts.urls")),
    path("", include("following.urls")),
    path("", include("conversation.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    # Browsers and feed readers ask for /favicon.ico whatever the page links; the static
    # URL is looked up per request, as it is fingerprinted when DEBUG is off.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
]

# Losing the database where no middleware can catch it is still the friendly 503.
handler500 = "config.views.server_error"
