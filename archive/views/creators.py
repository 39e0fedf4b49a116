"""A creator's page: their works, their series and a link to their public bookmarks."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts import relations
from archive.listing import listing
from archive.models import Series, Work


@require_safe
def creator_detail(request, username):
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    works = Work.objects.filter(creator=person).order_by("-updated", "-id")
    found = listing(request, works=works, page=request.GET.get("page"))
    context = {
        "person": person,
        "muting": person.pk in relations.muted_ids(request.user),
        "blocking": person.pk in relations.blocked_ids(request.user),
        "page": found.page,
        "hidden_count": found.hidden,
        "series_list": list(
            Series.objects.filter(creator=person)
            .visible_to(request.user)
            .select_related("creator")
            .order_by("-updated_at", "-id")
        ),
    }
    return render(request, "archive/creator_detail.html", context)
