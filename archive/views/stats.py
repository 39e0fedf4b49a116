"""Statistics: how a creator's works are received, over 30, 90 or 365 days.

A creator's page covers their posted works; a work's page, only its creator and staff (a 404
for anyone else, as for its edit pages). Both show counts only: public bookmarks, shown
comments, and who left kudos as the work page already names them, never anything a reader
keeps to themselves. Every choice (period, measure, sort) is a link, so no JavaScript is
needed, and every table downloads as CSV.
"""

import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from archive.consent.gates import metadata_only
from archive.models import Work
from archive.reading import kudos
from archive.stats import charts, figures

SORTS = {
    "title": "Title",
    "published": "Published",
    **{measure: label for measure, label, _ in figures.MEASURES},
}
DEFAULT_SORT = "-hits"


class StatsForm(forms.Form):
    period = forms.TypedChoiceField(
        choices=list(figures.PERIODS.items()), coerce=int, required=False
    )
    measure = forms.ChoiceField(choices=list(figures.LABELS.items()), required=False)
    sort = forms.ChoiceField(
        choices=[(f"{way}{key}", key) for key in SORTS for way in ("", "-")], required=False
    )

    def chosen(self):
        """(period, measure, sort): the valid choices, the defaults for the rest."""
        data = self.cleaned_data if self.is_valid() else {}
        return (
            data.get("period") or figures.DEFAULT_PERIOD,
            data.get("measure") or "hits",
            data.get("sort") or DEFAULT_SORT,
        )


@login_required
def my_stats(request):
    form = StatsForm(request.GET)
    period, measure, sort = form.chosen()
    found = figures.for_creator(request.user, period)
    context = {
        **_context(form, found, measure),
        "works": _sorted(found.works, sort),
        "sort": sort,
        "columns": _columns(request, sort),
    }
    return render(
        request, "archive/stats_creator.html", context, status=400 if form.errors else 200
    )


@login_required
def my_stats_works_csv(request):
    period, _, sort = StatsForm(request.GET).chosen()
    found = figures.for_creator(request.user, period)
    header = ["Title", "Published"]
    for _, label, _ in figures.MEASURES:
        header.append(label)
        if label != "Words":
            header.append(f"{label} in the last {period} days")
    rows = []
    for row in _sorted(found.works, sort):
        line = [row.work["title"], row.work["published"].isoformat()]
        for measure in figures.LABELS:
            line.append(row.totals[measure])
            if measure in row.gained:
                line.append(row.gained[measure])
        rows.append(line)
    return _csv(f"works-last-{period}-days.csv", header, rows)


@login_required
def my_stats_days_csv(request):
    period, _, _ = StatsForm(request.GET).chosen()
    found = figures.for_creator(request.user, period)
    return _days_csv(f"days-last-{period}-days.csv", found)


@metadata_only
def work_stats(request, work_id):
    work = _get_work_for_creator(request, work_id)
    form = StatsForm(request.GET)
    period, measure, _ = form.chosen()
    found = figures.for_work(work, period)
    context = {
        **_context(form, found, measure),
        "work": work,
        "givers": kudos.givers(work),
    }
    return render(request, "archive/stats_work.html", context, status=400 if form.errors else 200)


@metadata_only
def work_stats_days_csv(request, work_id):
    work = _get_work_for_creator(request, work_id)
    period, _, _ = StatsForm(request.GET).chosen()
    found = figures.for_work(work, period)
    name = slugify(work.title)[:40] or f"work-{work.pk}"
    return _days_csv(f"{name}-last-{period}-days.csv", found)


def _get_work_for_creator(request, work_id):
    """The work if this reader is its creator or staff, else 404."""
    user = request.user
    if not user.is_authenticated:
        raise Http404("You have no work with that id.")
    works = Work.objects.all() if user.is_staff else Work.objects.filter(creator=user)
    return get_object_or_404(works.select_related("creator"), pk=work_id)


def _context(form, found, measure):
    period_label = figures.PERIODS[found.period]
    chosen = found.series[measure]
    return {
        "form": form,
        "figures": found,
        "period": found.period,
        "period_label": period_label,
        "periods": figures.PERIODS.items(),
        "measure": measure,
        "measures": figures.LABELS.items(),
        "summary": list(found.series.values()),
        "series": chosen,
        "chart": charts.chart(chosen, period_label=period_label, chart_id=f"chart-{measure}"),
        "description": charts.describe(chosen),
    }


def _sorted(rows, sort):
    key = sort.removeprefix("-")
    # Ties keep the newest work first whichever way the table is sorted.
    rows = sorted(rows, key=lambda row: (row.work["published"], row.work["id"]), reverse=True)
    return sorted(rows, key=lambda row: _sort_value(row, key), reverse=sort.startswith("-"))


def _sort_value(row, key):
    if key == "title":
        return row.work["title"].casefold()
    if key == "published":
        return row.work["published"]
    return row.totals[key]


def _columns(request, sort):
    """The table's headings: each a link sorting by it, the current one turning round.
    Numbers and dates sort largest first at the first click, titles from A."""
    query = request.GET.copy()
    columns = []
    for key, label in SORTS.items():
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        if current:
            next_sort = key if descending else f"-{key}"
        else:
            next_sort = key if key == "title" else f"-{key}"
        query["sort"] = next_sort
        columns.append(
            {
                "key": key,
                "label": label,
                "url": f"?{query.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if current else "",
                "numeric": key not in ("title", "published"),
            }
        )
    return columns


def _days_csv(filename, found):
    measures = list(figures.LABELS)
    header = ["Day", *figures.LABELS.values()]
    rows = [
        [day.isoformat(), *(found.series[measure].values[n] for measure in measures)]
        for n, day in enumerate(found.series["hits"].days)
    ]
    return _csv(filename, header, rows)


def _csv(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return response


def _cell(value):
    """A title that starts like a formula is written as text, so a spreadsheet never runs it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value
