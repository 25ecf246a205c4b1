"""Protocol forms: shape only; `services.save_protocol` and `missing_pieces` judge the rules.

Rows of the parties and rules formsets that are left blank are ignored; a row filled in
part is explained field by field. Only the allowed purposes are offered (and accepted):
intelligence gathering, targeting and screening cannot even be posted.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle.accounts.models import Organisation
from passerelle.core.forms import IsoDateInput, RowForm
from passerelle.geography.models import Area
from passerelle.incidents.models import DataCategory
from passerelle.policy.purposes import allowed_choices

from .models import SHAREABLE_LEVELS, PartyRole, Protocol

BLANK = [("", "---------")]
EXTRA_ROWS = 3


class AreaMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.pcode})"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.display_name}"


class ProtocolForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40)
    title = forms.CharField(label=_("Title (French)"), max_length=200)
    title_en = forms.CharField(
        label=_("Title (English)"),
        max_length=200,
        required=False,
        help_text=_("Shown to English readers; the French title is shown when this is empty."),
    )
    description = forms.CharField(
        label=_("Purpose and safeguards"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=Protocol._meta.get_field("description").help_text,
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=IsoDateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=IsoDateInput())
    retention_days = forms.IntegerField(
        label=_("Retention of shared copies (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=Protocol._meta.get_field("retention_days").help_text,
    )
    k_threshold = forms.IntegerField(
        label=_("Small-cell threshold (k)"),
        min_value=2,
        max_value=50,
        initial=5,
        help_text=Protocol._meta.get_field("k_threshold").help_text,
    )
    finest_area_level = forms.TypedChoiceField(
        label=_("Finest area in statistics"),
        choices=Protocol._meta.get_field("finest_area_level").choices,
        coerce=int,
        required=False,
        empty_value=Protocol._meta.get_field("finest_area_level").default,
        initial=Protocol._meta.get_field("finest_area_level").default,
        help_text=Protocol._meta.get_field("finest_area_level").help_text,
    )
    areas = AreaMultipleChoiceField(
        label=_("Geographic scope"),
        queryset=Area.objects.filter(level__lte=2).order_by("pcode"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=Protocol._meta.get_field("areas").help_text,
    )

    FIELDS = (
        "reference",
        "title",
        "title_en",
        "description",
        "valid_from",
        "valid_until",
        "retention_days",
        "k_threshold",
        "finest_area_level",
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error(
                "valid_until",
                _("The protocol would end before it starts: give an end date after %(start)s.")
                % {"start": start.isoformat()},
            )
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.FIELDS}
        fields["description"] = (fields["description"] or "").strip()
        return fields


class PartyForm(RowForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(active=True).order_by("acronym"),
        required=False,
    )
    role = forms.ChoiceField(
        label=_("Role in the protocol"), choices=BLANK + PartyRole.choices, required=False
    )

    ROW_FIELDS = REQUIRED = ("organisation", "role")


class RuleForm(RowForm):
    party_role = forms.ChoiceField(
        label=_("Party role"), choices=BLANK + PartyRole.choices, required=False
    )
    data_category = forms.ChoiceField(
        label=_("Data category"), choices=BLANK + DataCategory.choices, required=False
    )
    max_level = forms.TypedChoiceField(
        label=_("Highest level"),
        choices=BLANK + SHAREABLE_LEVELS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    purposes = forms.MultipleChoiceField(
        label=_("Purposes allowed"),
        choices=allowed_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    ROW_FIELDS = ("party_role", "data_category", "max_level", "purposes")
    REQUIRED = ("party_role", "data_category", "max_level")


PartyFormSet = forms.formset_factory(
    PartyForm, extra=EXTRA_ROWS, can_delete=True, can_delete_extra=False, max_num=50
)
RuleFormSet = forms.formset_factory(
    RuleForm, extra=EXTRA_ROWS, can_delete=True, can_delete_extra=False, max_num=60
)


def kept_rows(formset) -> list[dict]:
    """The cleaned rows that are neither blank nor marked for deletion."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or form.is_blank():
            continue
        rows.append(data)
    return rows


class ProtocolFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + Protocol.Status.choices
    )


class ApproveForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(active=True), to_field_name="public_id"
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Why suspend the protocol?"),
        max_length=300,
        required=False,  # the service says why a reason is needed, after checking rights
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Everything shared under the protocol stops being visible at once, and the "
            "recipients are told. The reason is recorded on the protocol."
        ),
    )
