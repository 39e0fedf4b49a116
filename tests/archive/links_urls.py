"""A URL configuration of another shape, for tests/archive/test_links.py."""

from django.http import HttpResponse
from django.urls import include, path

archive_patterns = (
    [path("elsewhere/<int:work_id>/", lambda request, work_id: HttpResponse(), name="work_detail")],
    "archive",
)
urlpatterns = [path("", include(archive_patterns))]
