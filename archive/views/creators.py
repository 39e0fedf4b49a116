"""A creator's page: their works, their series and a link to their public bookmarks."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts import relations
from archive.listing import listing
from archive.models import Work
from archive.views.listing import listing_context
from archive.writing import series


@require_safe
def creator_detail(request, username):
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    relations.read_ahead(request.user, "muted", "blocked")  # the page asks for both
    # Their works, sorted, filtered and counted as the works index's are.
    works = Work.objects.filter(creator=person)
    found = listing(request, works=works, filters=request.GET, page=request.GET.get("page"))
    series_list, series_hidden = series.by_creator(person, request=request)
    context = {
        **listing_context(request, found),
        "person": person,
        "muting": person.pk in relations.muted_ids(request.user),
        "blocking": person.pk in relations.blocked_ids(request.user),
        "series_list": series_list,
        "series_hidden": series_hidden,
    }
    status = 400 if found.filter.form.errors else 200
    return render(request, "archive/creator_detail.html", context, status=status)
