"""Forms for sharing, break-glass and aggregates: shape only; services judge the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.accounts.models import Organisation, User
from passerelle.core.forms import IsoDateInput
from passerelle.incidents.models import DataCategory
from passerelle.policy.purposes import Purpose

from .models import Protocol

LEVELS = [(2, _("2 – restricted")), (3, _("3 – confidential")), (4, _("4 – strictly confidential"))]


class ShareForm(forms.Form):
    protocol = forms.ModelChoiceField(label=_("Protocol"), queryset=Protocol.objects.none())
    recipient = forms.ModelChoiceField(label=_("Share with"), queryset=Organisation.objects.none())
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "---------"), *Purpose.choices])
    level = forms.TypedChoiceField(label=_("Level"), choices=LEVELS, coerce=int, initial=2)
    recipient_user = forms.ModelChoiceField(
        label=_("Named recipient (identities only)"),
        queryset=User.objects.none(),
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, protocols, incident=None, **kwargs):
        """`protocols` in force for the record's owner; the recipients are their parties
        other than the owner; the named recipients are the people of the chosen recipient
        who may hold identities there (none before a recipient is chosen), so that a person
        of another organisation is refused by validation, with or without JavaScript."""
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in protocols]
        self.fields["protocol"].queryset = Protocol.objects.filter(pk__in=ids)
        org_ids = {party.organisation_id for p in protocols for party in p.parties.all()}
        if incident is not None:
            org_ids.discard(incident.owner_id)
        recipients = Organisation.objects.filter(pk__in=org_ids, active=True)
        self.fields["recipient"].queryset = recipients
        chosen = self.chosen("recipient", recipients)
        users = User.objects.none()
        if chosen is not None:
            holders = policy.holders(chosen, "person.view_identity")
            users = User.objects.filter(pk__in=[u.pk for u in holders])
        self.fields["recipient_user"].queryset = users
        self.fields["recipient_user"].label_from_instance = _user_label
        self.fields["recipient_user"].help_text = _(
            "Only for level 4: a person of the recipient organisation who may hold identities."
        )

    def chosen(self, name: str, queryset):
        """The object chosen in `name` (submitted or initial), if it is one of `queryset`."""
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if value in (None, ""):
            return None
        value = getattr(value, "pk", value)
        try:
            return queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None


def _user_label(user) -> str:
    return user.display_name


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need these identities now?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your organisation's administrator reviews every break-glass access."),
    )
    hours = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        initial=2,
        choices=[(1, _("1 hour")), (2, _("2 hours")), (4, _("4 hours")), (8, _("8 hours"))],
    )


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), max_length=300, required=False)


class AggregateForm(forms.Form):
    DIMENSIONS = [
        ("area", _("Area")),
        ("period", _("Period")),
        ("category", _("Data category")),
        ("sex", _("Sex")),
        ("age_group", _("Age group")),
    ]
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "---------"), *Purpose.choices])
    rows = forms.ChoiceField(label=_("Rows"), choices=DIMENSIONS, initial="area")
    columns = forms.ChoiceField(label=_("Columns"), choices=DIMENSIONS, initial="period")
    area_level = forms.TypedChoiceField(
        label=_("Areas by"),
        coerce=int,
        initial=1,
        choices=[(1, _("Region")), (2, _("Cercle"))],
    )
    period = forms.ChoiceField(
        label=_("Periods by"),
        initial="quarter",
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
    )
    data_category = forms.ChoiceField(
        label=_("Data category"), required=False, choices=[("", _("All")), *DataCategory.choices]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=IsoDateInput())

    def clean(self):
        data = super().clean()
        if data.get("rows") and data.get("rows") == data.get("columns"):
            self.add_error("columns", _("Choose two different dimensions."))
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end comes before the start."))
        return data
