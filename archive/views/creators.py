"""A creator's page: their works, their series and a link to their public bookmarks."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts import relations
from archive.listing import exclusions
from archive.models import Series, Work


@require_safe
def creator_detail(request, username):
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    hiding = exclusions.for_request(request)
    works = Work.objects.filter(creator=person).visible_to(request.user)
    page = Paginator(
        works.excluding(hiding).with_blurb().order_by("-updated", "-id"),
        settings.WORKS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    condition = hiding.condition()
    context = {
        "person": person,
        "muting": person.pk in hiding.creators,
        "blocking": person.pk in relations.blocked_ids(request.user),
        "page": page,
        "hidden_count": works.filter(condition).count() if condition is not None else 0,
        "series_list": list(
            Series.objects.filter(creator=person)
            .visible_to(request.user)
            .select_related("creator")
            .order_by("-updated_at", "-id")
        ),
    }
    return render(request, "archive/creator_detail.html", context)
