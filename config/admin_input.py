"""The Django admin, checking the ids it is posted before it looks them up.

The admin filters its changelist by the ids posted with an action, and its autocomplete
widget looks up a posted value when it shows a form again with errors; either answers a
value that is not an id with a 500. Staff forms are trusted, but a bad request must still
get a clear answer (tests/test_hostile_input.py throws such values at every admin form).
Inline rows are checked and saved as a whole for the same reason (WholeInlineFormSet).
"""

from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect


def _is_key(field, value):
    """Whether `value` could be a key of the field: of its type and within the database's
    range (a number too large for the column fails in the driver, not in the form)."""
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Leaves out a posted value that is no key before looking it up; the form already
    reports it as an invalid choice."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(remote.field_name)
        return super().optgroups(name, [v for v in value if _is_key(key, v)], attr)


class CheckedInputs:
    """For ModelAdmin and InlineModelAdmin classes: ids and keys are checked first."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(_is_key(self.model._meta.pk, value) for value in selected):
            self.message_user(request, "Those items could not be found.", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class WholeInlineFormSet(BaseInlineFormSet):
    """An inline's rows checked and saved as a whole.

    Django checks the unique constraints an inline's rows share with their parent only
    among the posted forms (it leaves the parent out of each form's own check) and saves
    form by form. So a row taking a value another row gives up in the same save (a swap, or
    the value of a row deleted below it), or a value held by a row the post left out,
    reached the database's constraint as a 500. Here the rows are checked as they will be
    after the save, and saved so that no two share a value at any moment: deleted rows
    first, then the changed ones step aside (`step_aside`), then every row is written."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        for fields in self._shared_unique_fields():
            taken = Counter(self._values_after_save(fields).values())
            if any(rows > 1 for rows in taken.values()):
                raise ValidationError(self._twice_message(fields, taken))

    def save(self, commit=True):
        rows = super().save(commit=False)
        if commit:
            for row in self.deleted_objects:
                row.delete()
            unique = {field.name for fields in self._shared_unique_fields() for field in fields}
            moved = [row for row, changed in self.changed_objects if unique.intersection(changed)]
            self.step_aside(moved, rows)
            for row in rows:
                self.save_row(row)
            self.save_m2m()
        return rows

    def step_aside(self, moved, rows):
        """Free the unique values the `moved` rows hold before any row is written. This
        removes them, to be added again with their own ids: right for link rows that nothing
        points at; a formset whose rows others point at overrides it."""
        self.model._default_manager.filter(pk__in=[row.pk for row in moved]).delete()

    def save_row(self, row):
        row.save()

    def _shared_unique_fields(self):
        # The constraints including the parent: a constraint without it is each form's own.
        for constraint in self.model._meta.constraints:
            shared = isinstance(constraint, models.UniqueConstraint) and not (
                constraint.condition or constraint.expressions
            )
            if shared and self.fk.name in constraint.fields:
                names = [name for name in constraint.fields if name != self.fk.name]
                yield [self.model._meta.get_field(name) for name in names]

    def _values_after_save(self, fields):
        stored = self.model._default_manager.none()
        if self.instance.pk is not None:
            stored = self.model._default_manager.filter(**{self.fk.name: self.instance})
        names = [field.attname for field in fields]
        values = {row[0]: row[1:] for row in stored.values_list("pk", *names)}
        for index, form in enumerate(self.forms):
            key = form.instance.pk if form.instance.pk is not None else f"new-{index}"
            kept = form.instance.pk is not None or form.has_changed()
            if kept and not self._should_delete_form(form):
                values[key] = tuple(_key(form.cleaned_data[field.name]) for field in fields)
            else:
                values.pop(key, None)
        return values

    def _twice_message(self, fields, taken):
        label = " and ".join(str(field.verbose_name) for field in fields)
        if any(field.is_relation for field in fields):
            return f"The same {label} is given twice: each may be given once."
        twice = ", ".join(" ".join(map(str, value)) for value, rows in taken.items() if rows > 1)
        return f"The same {label} is given twice ({twice}): give each its own."


def _key(value):
    return value.pk if isinstance(value, models.Model) else value


class ModelAdmin(CheckedInputs, admin.ModelAdmin):
    pass


class BoundedInline:
    """For InlineModelAdmin classes: a post never builds more forms than max_num.

    Django builds up to max_num + 1,000 forms from a posted TOTAL_FORMS before it refuses
    the post; with absolute_max at max_num a hostile count is refused with "Please submit
    at most N forms" before any of them is built."""

    def get_formset(self, request, obj=None, **kwargs):
        max_num = self.get_max_num(request, obj)
        if max_num is not None:
            kwargs.setdefault("absolute_max", max_num)
        return super().get_formset(request, obj, **kwargs)


class TabularInline(CheckedInputs, BoundedInline, admin.TabularInline):
    formset = WholeInlineFormSet


class StackedInline(CheckedInputs, BoundedInline, admin.StackedInline):
    formset = WholeInlineFormSet
