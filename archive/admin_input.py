"""The Django admin, checking the ids it is posted before it looks them up.

The admin filters its changelist by the ids posted with an action, and its autocomplete
widget looks up a posted value when it shows a form again with errors; either answers a
value that is not an id with a 500. Staff forms are trusted, but a bad request must still
get a clear answer (tests/test_hostile_input.py throws such values at every admin form).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
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


class ModelAdmin(CheckedInputs, admin.ModelAdmin):
    pass


class TabularInline(CheckedInputs, admin.TabularInline):
    pass


class StackedInline(CheckedInputs, admin.StackedInline):
    pass
