"""The import pages' forms: they validate shape (sizes, which file is given); the XLSForm's
reading, the mapping's rules and the rows' validation live in xlsforms and the pipeline."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from passerelle import policy

# An upload is bounded before it is read: the request itself is refused past
# MAX_REQUEST_BYTES (core.middleware); each file is checked here too.
EXPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".json")
FORM_SUFFIXES = (".xlsx",)


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", settings.MAX_REQUEST_BYTES)


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.display_name}"


class FormVersionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def _check_upload(upload, suffixes, message):
    if upload is None:
        return upload
    limit = max_upload_bytes()
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
        )
    if not upload.name.lower().endswith(suffixes):
        raise forms.ValidationError(message)
    return upload


class UploadForm(forms.Form):
    """Step 1: the organisation, the XLSForm (or a version already known) and the export."""

    organisation = OrganisationField(
        label=_("Import into"),
        queryset=None,
        empty_label=None,
        help_text=_("The incidents will belong to this organisation."),
    )
    form_version = FormVersionField(
        label=_("A form already used"),
        queryset=None,
        required=False,
        help_text=_("Choose a form version imported before, or upload the XLSForm below."),
    )
    xlsform = forms.FileField(
        label=_("XLSForm (.xlsx)"),
        required=False,
        help_text=_(
            "The form as designed for KoboToolbox or ODK: the workbook with the "
            "“survey” and “choices” sheets."
        ),
    )
    export = forms.FileField(
        label=_("Submissions export"),
        help_text=_(
            "The data exported from KoboToolbox or ODK Central: CSV (separated by "
            "commas, semicolons or tabs), XLSX or JSON."
        ),
    )

    def __init__(self, *args, user, form_versions, **kwargs):
        super().__init__(*args, **kwargs)
        own = policy.organisations(user, "import.run")
        self.fields["organisation"].queryset = (
            type(own[0]).objects.filter(pk__in=[o.pk for o in own]) if own else _none()
        )
        if form_versions is None:
            del self.fields["form_version"]
        else:
            self.fields["form_version"].queryset = form_versions
            if not form_versions.exists():
                del self.fields["form_version"]

    def clean_xlsform(self):
        return _check_upload(
            self.cleaned_data.get("xlsform"),
            FORM_SUFFIXES,
            _("The XLSForm must be an Excel workbook (.xlsx)."),
        )

    def clean_export(self):
        return _check_upload(
            self.cleaned_data.get("export"),
            EXPORT_SUFFIXES,
            _("The export must be a CSV, XLSX or JSON file."),
        )

    def clean(self):
        data = super().clean()
        known = data.get("form_version")
        uploaded = data.get("xlsform")
        if known is None and uploaded is None and not self.has_error("xlsform"):
            raise forms.ValidationError(
                _("Upload the XLSForm used in the field, or choose a form already used.")
            )
        if known is not None and uploaded is not None:
            raise forms.ValidationError(
                _("Upload an XLSForm or choose a form already used, not both.")
            )
        organisation = data.get("organisation")
        if known is not None and organisation is not None:
            if getattr(known, "organisation_id", organisation.pk) != organisation.pk:
                self.add_error(
                    "form_version", _("This form version belongs to another organisation.")
                )
        return data


def _none():
    from passerelle.accounts.models import Organisation

    return Organisation.objects.none()


class ExampleForm(forms.Form):
    """The example imported at once, into one of the user's organisations."""

    organisation = OrganisationField(label=_("Import into"), queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own = policy.organisations(user, "import.run")
        self.fields["organisation"].queryset = (
            type(own[0]).objects.filter(pk__in=[o.pk for o in own]) if own else _none()
        )
