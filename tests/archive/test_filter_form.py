"""The filter form as drawn: its choices keep the query string's state, as Django drew them."""

import html5lib
import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from archive.listing import filters
from archive.listing.filters import WorkFilterForm
from tests.factories import make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")
QUERY = (
    "rating=teen&rating=mature&exclude_rating=explicit&warning=graphic-violence"
    "&exclude_warning=non-con&exclude_category=m/m&language=ja&sort=title&complete=no"
    '&words_from=10&words_to=5000&updated_from=2026-01-02&q=<b>"fish" %26 chips'
)


def _form(response):
    page = html5lib.parse(response.content.decode(), namespaceHTMLElements=False)
    [form] = [form for form in page.iter("form") if form.get("role") == "search"]
    return form


def test_the_form_keeps_the_query_strings_choices(client):
    make_work(rating="teen", language="ja")
    form = _form(client.get(f"{INDEX}?{QUERY}"))

    checked = {
        (box.get("name"), box.get("value"))
        for box in form.iter("input")
        if box.get("type") == "checkbox" and box.get("checked") is not None
    }
    assert checked == {
        ("rating", "teen"),
        ("rating", "mature"),
        ("exclude_rating", "explicit"),
        ("warning", "graphic-violence"),
        ("exclude_warning", "non-con"),
        ("exclude_category", "m/m"),
    }
    selected = {
        select.get("name"): [o.get("value") for o in select if o.get("selected") is not None]
        for select in form.iter("select")
    }
    assert selected == {"sort": ["title"], "complete": ["no"], "language": ["ja"]}
    values = {box.get("name"): box.get("value") for box in form.iter("input") if box.get("id")}
    assert values["q"] == '<b>"fish" & chips'
    assert (values["words_from"], values["words_to"]) == ("10", "5000")
    assert values["updated_from"] == "2026-01-02"
    assert values["updated_to"] is None


def test_nothing_is_checked_without_a_query(client):
    form = _form(client.get(INDEX))
    assert not [box for box in form.iter("input") if box.get("checked") is not None]
    selected = {
        select.get("name"): [o.get("value") for o in select if o.get("selected") is not None]
        for select in form.iter("select")
    }
    # As Django's Select drew them: no value selects the empty choice if there is one.
    assert selected == {"sort": [], "complete": [""], "language": [""]}


@pytest.mark.parametrize(
    "query",
    ["", QUERY, "language=JA&sort=nope&words_from=-3&updated_to=soon&complete=yes"],
)
def test_each_widget_draws_what_djangos_own_templates_draw(query, monkeypatch):
    """The filter's widgets write their HTML in Python; it is what Django's templates write."""
    drawn = WorkFilterForm(QueryDict(query), relevance=True)
    drawn.is_valid()
    ours = {name: str(drawn[name]) for name in drawn.fields}
    for widget in (filters._Select, filters._TextInput, filters._NumberInput, filters._DateInput):
        monkeypatch.setattr(widget, "render", forms.Widget.render)
    stock = WorkFilterForm(QueryDict(query), relevance=True)
    stock.is_valid()
    assert ours == {name: str(stock[name]) for name in stock.fields}


def test_a_select_escapes_its_choices_and_still_marks_the_chosen_one():
    widget = filters._Select(choices=[("a&b", "A & B"), ("<c>", "C")])
    assert widget.render("x", "a&b") == forms.Select(choices=widget.choices).render("x", "a&b")
    assert '<option value="a&amp;b" selected>A &amp; B</option>' in widget.render("x", "a&b")
