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
