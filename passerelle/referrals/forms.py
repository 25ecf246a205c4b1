"""Forms for services, needs and referrals: shape only; the services judge the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle.accounts.models import Organisation, User
from passerelle.core.forms import IsoDateInput
from passerelle.geography.models import Area
from passerelle.policy.roles import ROLES

from .models import DeclineReason, Need, Referral, Service, ServiceType, TargetGroup


def _user_label(user) -> str:
    acronyms = sorted({m.organisation.acronym for m in user.memberships.all()})
    return f"{user.display_name} ({', '.join(acronyms)})"


def receivers_of(org_ids, *, min_level: int = 1):
    """Users who answer referrals in these organisations."""
    roles = [
        r
        for r, role in ROLES.items()
        if "referral.respond" in role.actions and role.level >= min_level
    ]
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id__in=org_ids,
            memberships__active=True,
            memberships__role__in=roles,
        )
        .distinct()
        .prefetch_related("memberships__organisation")
        .order_by("last_name", "username")
    )


class ServiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    area = forms.ModelChoiceField(
        label=_("Area served"),
        queryset=Area.objects.filter(level__in=[1, 2]).defer("geometry"),
        required=False,
    )
    service_type = forms.ChoiceField(
        label=_("Service type"), choices=[("", _("All")), *ServiceType.choices], required=False
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organisation.objects.filter(active=True), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Service.Status.choices], required=False
    )


class ServiceForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name (French)"), max_length=200)
    name_en = forms.CharField(
        label=_("Name (English)"),
        max_length=200,
        required=False,
        help_text=_("Shown to English readers; the French name is shown when this is empty."),
    )
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organisation.objects.none())
    service_type = forms.ChoiceField(label=_("Service type"), choices=ServiceType.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas served"),
        queryset=Area.objects.filter(level__lte=2).order_by("pcode"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("A region serves all its cercles. Hold Ctrl (or ⌘) to choose several."),
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    min_age = forms.IntegerField(label=_("Minimum age"), required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0, max_value=120)
    languages = forms.CharField(label=_("Languages"), max_length=120, required=False)
    hours = forms.CharField(label=_("Days and hours"), max_length=120, required=False)
    location = forms.CharField(label=_("Where to go"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    capacity = forms.IntegerField(label=_("Capacity per month"), required=False, min_value=0)
    status = forms.ChoiceField(label=_("Status"), choices=Service.Status.choices)
    receiver = forms.ModelChoiceField(
        label=_("Receives referrals"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The provider's case worker to whom referrals are addressed by name."),
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["receiver"].queryset = receivers_of([p.pk for p in providers])
        self.fields["receiver"].label_from_instance = _user_label

    def clean(self):
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", _("The maximum age is below the minimum age."))
        return data

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class NeedForm(forms.Form):
    service_type = forms.ChoiceField(label=_("Service needed"), choices=ServiceType.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Need.Outcome.choices)


class ReferralForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    need = forms.ModelChoiceField(
        label=_("Need it answers"), queryset=Need.objects.none(), required=False
    )
    level = forms.TypedChoiceField(
        label=_("What the provider sees"),
        coerce=int,
        choices=Referral._meta.get_field("level").choices,
        initial=3,
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Referral.Urgency.choices)
    summary = forms.CharField(
        label=_("What the provider needs to know"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Only what the service needs to act (needs, safety concerns, how to reach the person "
            "safely). No names here. Shown to the provider at level 3 and above."
        ),
    )
    receiver = forms.ModelChoiceField(
        label=_("Named receiver (level 4 only)"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, services, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["service"].label_from_instance = lambda s: (
            f"{s.get_service_type_display()} – {s.display_name} ({s.provider.acronym})"
        )
        self.fields["need"].queryset = needs
        self.fields["need"].label_from_instance = lambda n: n.get_service_type_display()
        provider_ids = services.values_list("provider_id", flat=True).distinct()
        self.fields["receiver"].queryset = receivers_of(list(provider_ids), min_level=4)
        self.fields["receiver"].label_from_instance = _user_label


class MoveForm(forms.Form):
    """One move of the lifecycle; which fields matter depends on the move."""

    to = forms.ChoiceField(choices=Referral.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decline_reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *DeclineReason.choices], required=False
    )
    provided_on = forms.DateField(
        label=_("Service provided on"),
        required=False,
        widget=IsoDateInput(),
    )


class FollowUpForm(forms.Form):
    due = forms.DateField(label=_("Follow-up due"), widget=IsoDateInput())


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Referral.Status.choices], required=False
    )
    service_type = forms.ChoiceField(
        label=_("Service type"), choices=[("", _("All")), *ServiceType.choices], required=False
    )


def services_for(area):
    """Active services, those serving the area first (ordered by type)."""
    return Service.objects.filter(status=Service.Status.ACTIVE).serving(area)
