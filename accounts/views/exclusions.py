"""Tags a reader never wants to see, and filters they saved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import ExcludeTagForm, SaveFilterForm
from accounts.models import ExcludedTag, SavedFilter
from config.paths import same_site_path


@login_required
def excluded_tags(request):
    form = ExcludeTagForm()
    excluded = request.user.excluded_tags.select_related("tag")
    return render(request, "accounts/excluded_tags.html", {"form": form, "excluded": excluded})


@login_required
@require_POST
def exclude_tag(request):
    form = ExcludeTagForm(request.POST)
    if not form.is_valid():
        excluded = request.user.excluded_tags.select_related("tag")
        context = {"form": form, "excluded": excluded}
        return render(request, "accounts/excluded_tags.html", context, status=400)
    tag = form.cleaned_data["tag"]
    _, created = ExcludedTag.objects.get_or_create(reader=request.user, tag=tag)
    if created:
        messages.success(request, f"Works tagged “{tag.name}” will no longer be shown to you.")
    return redirect(safe_next(request, reverse("accounts:excluded_tags")))


@login_required
@require_POST
def include_tag(request, pk):
    excluded = get_object_or_404(ExcludedTag, pk=pk, reader=request.user)
    excluded.delete()
    messages.success(request, f"Works tagged “{excluded.tag.name}” are shown again.")
    return redirect("accounts:excluded_tags")


@login_required
def saved_filters(request):
    filters = request.user.saved_filters.all()
    return render(request, "accounts/saved_filters.html", {"filters": filters})


@login_required
@require_POST
def save_filter(request):
    form = SaveFilterForm(request.POST)
    if not form.is_valid():
        filters = request.user.saved_filters.all()
        context = {"filters": filters, "form": form}
        return render(request, "accounts/saved_filters.html", context, status=400)
    try:
        with transaction.atomic():
            SavedFilter.objects.create(reader=request.user, **form.cleaned_data)
    except IntegrityError:
        messages.error(request, f"You already have a filter called “{form.cleaned_data['name']}”.")
    else:
        messages.success(request, f"Saved “{form.cleaned_data['name']}”.")
    return redirect("accounts:saved_filters")


@login_required
@require_POST
def delete_filter(request, pk):
    get_object_or_404(SavedFilter, pk=pk, reader=request.user).delete()
    messages.success(request, "Filter deleted.")
    return redirect("accounts:saved_filters")


def safe_next(request, fallback):
    return same_site_path(request.POST.get("next")) or fallback
