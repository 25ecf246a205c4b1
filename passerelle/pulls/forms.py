"""The connection form: shape only (the service checks the rules). The credentials are
write-only: their fields are always rendered empty, and left empty they keep what is stored."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle import policy

from .models import ServerConnection


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.display_name}"


class FormVersionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} — {obj.organisation.acronym}"


class ConnectionForm(forms.ModelForm):
    organisation = OrganisationField(
        label=_("Import into"),
        queryset=None,
        empty_label=None,
        help_text=_("The incidents will belong to this organisation."),
    )
    form_version = FormVersionField(
        label=_("Form version and its mapping"),
        queryset=None,
        required=False,
        help_text=_(
            "The XLSForm version the field collects with, imported once from the imports page "
            "with its mapping saved: each submission is read through that mapping."
        ),
    )
    token = forms.CharField(
        label=_("API token"),
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "KoboToolbox: the account's API token. ODK Central: a bearer token, if no e-mail "
            "and password are used. Never shown again; leave empty to keep the one saved."
        ),
    )
    email = forms.EmailField(
        label=_("ODK Central e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("ODK Central only: the web user pulls act as (a Project Viewer is enough)."),
    )
    password = forms.CharField(
        label=_("ODK Central password"),
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown again; leave empty to keep the one saved."),
    )
    base_url = forms.URLField(
        label=_("Server address"),
        max_length=300,
        assume_scheme="https",
        help_text=_(
            "The server's address, e.g. https://kf.kobotoolbox.org or "
            "https://central.example.org (https only)."
        ),
    )
    restart = forms.BooleanField(
        label=_("Pull every submission again at the next pull"),
        required=False,
        help_text=_(
            "Submissions already imported stay unchanged unless they were edited since; use this "
            "after correcting the mapping, or to pick up edits the server did not date anew."
        ),
    )

    class Meta:
        model = ServerConnection
        fields = [
            "name",
            "organisation",
            "kind",
            "base_url",
            "auth",
            "asset_uid",
            "project_id",
            "form_id",
            "form_version",
            "enabled",
            "interval_minutes",
        ]
        help_texts = {
            "asset_uid": _("KoboToolbox only: the form's uid, as in …/#/forms/<uid>/summary."),
            "project_id": _("ODK Central only: the number in …/#/projects/<id>."),
            "form_id": _("ODK Central only: the form's id (its xmlFormId)."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from passerelle.accounts.models import Organisation
        from passerelle.xlsforms.models import FormVersion

        own = [o.pk for o in policy.organisations(user, "import.run")]
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=own)
        self.fields["form_version"].queryset = (
            FormVersion.objects.filter(organisation_id__in=own, mapping__isnull=False)
            .select_related("organisation")
            .order_by("form_id", "-created_at")
        )
        editing = self.instance.pk is not None
        if editing:
            del self.fields["organisation"]  # a connection stays with its organisation
        else:
            del self.fields["restart"]

    def clean(self):
        data = super().clean()
        version = data.get("form_version")
        organisation = data.get("organisation") or (
            self.instance.organisation if self.instance.pk else None
        )
        if version is not None and organisation is not None:
            if version.organisation_id != organisation.pk:
                self.add_error(
                    "form_version", _("This form version belongs to another organisation.")
                )
        kind, auth = data.get("kind"), data.get("auth")
        new = self.instance.pk is None or auth != self.instance.auth
        if kind == ServerConnection.Kind.ODK and auth == ServerConnection.Auth.PASSWORD:
            if new and not (data.get("email") and data.get("password")):
                self.add_error("password", _("Give the e-mail and the password."))
        elif new and not data.get("token"):
            self.add_error("token", _("Give the API token."))
        return data

    def credentials(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k) or "" for k in ("token", "email", "password") if data.get(k)}

    def values(self) -> dict:
        data = self.cleaned_data
        names = [n for n in self.Meta.fields if n != "organisation"]
        return {name: data.get(name) for name in names if name in data}
