"""Form pieces shared by the apps."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RowForm(forms.Form):
    """A formset row: blank means ignored, partly filled means explained. Subclasses name the
    fields that make a row non-blank (ROW_FIELDS) and those a filled row needs (REQUIRED)."""

    ROW_FIELDS: tuple = ()
    REQUIRED: tuple = ()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not any(data.get(name) for name in self.ROW_FIELDS)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        for name in self.REQUIRED:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Fill this in, or clear the whole row."))
        return data


class IsoDateInput(forms.DateInput):
    """`<input type="date">`: the browser accepts only ISO (2026-12-04) as its value, whatever
    the page's language, and shows anything else as empty (a French `04/12/2026` was erased on
    save). Every date field of the project uses this widget (tests/test_date_inputs_iso.py)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">`, ISO for the same reason."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
