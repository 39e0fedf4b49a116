"""{% choice_rows form "rating" facets.ratings as rows %}: the rows of a filter checkbox table.

Iterating a checkbox field in a template builds a widget for every choice; the filter form's
tables only need each choice's value, label, count and checked state, made here in one pass
(`WorkFilterForm.choice_rows`).
"""

from django import template

register = template.Library()


@register.simple_tag
def choice_rows(form, name, counts):
    return form.choice_rows(name, counts)
