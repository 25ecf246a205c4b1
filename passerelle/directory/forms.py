"""Directory forms: shape and the checks a user should see at once; the services judge the
rules (who may write, active members, dates) again."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.accounts.models import Organisation, User
from passerelle.core.forms import IsoDateInput
from passerelle.geography.models import Area

from .models import ObjectiveComponent, ObjectiveNote, ThematicArea

SIDES = [("", _("Mission and cluster")), ("mission", _("Mission")), ("cluster", _("Cluster"))]


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.pcode})"


class AreaMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        indent = "\u2003" * max(obj.level - 1, 0)
        return f"{indent}{obj.name} ({obj.pcode})"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} – {obj.display_name}"


class ThemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ThemesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        acronyms = sorted({m.organisation.acronym for m in obj.memberships.all() if m.active})
        return f"{obj.display_name} ({', '.join(acronyms)})"


def _region_field():
    return AreaChoiceField(
        label=_("Region"),
        queryset=Area.objects.filter(level=1).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=_("All"),
    )


def _cercle_field():
    return AreaChoiceField(
        label=_("Cercle"),
        queryset=Area.objects.filter(level=2).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=_("All"),
    )


def members_of(organisations):
    """Active users with an active membership in one of these organisations."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__active=True,
            memberships__organisation__in=organisations,
        )
        .distinct()
        .prefetch_related("memberships__organisation")
        .order_by("last_name", "first_name", "username")
    )


class AreaFilterMixin:
    """A region and a cercle select; the cercle wins when both are chosen."""

    def chosen_area(self):
        data = getattr(self, "cleaned_data", None) or {}
        return data.get("cercle") or data.get("region")


class DirectoryFilterForm(AreaFilterMixin, forms.Form):
    thematic_area = ThemeChoiceField(
        label=_("Thematic area"),
        queryset=ThematicArea.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(active=True).order_by("acronym"),
        to_field_name="acronym",
        required=False,
        empty_label=_("All"),
    )
    side = forms.ChoiceField(label=_("Side"), choices=SIDES, required=False)
    region = _region_field()
    cercle = _cercle_field()
    past = forms.BooleanField(label=_("Include past focal points"), required=False)


class EntryPointsForm(AreaFilterMixin, forms.Form):
    region = _region_field()
    cercle = _cercle_field()
    lang = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)


class FocalPointForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    thematic_area = ThemeChoiceField(label=_("Thematic area"), queryset=ThematicArea.objects.all())
    name = forms.CharField(label=_("Name"), max_length=120)
    title = forms.CharField(label=_("Function"), max_length=160, required=False)
    email = forms.EmailField(label=_("Work e-mail"), required=False)
    phone = forms.CharField(label=_("Work phone"), max_length=40, required=False)
    place = AreaChoiceField(
        label=_("Duty station"),
        queryset=Area.objects.filter(level__in=[1, 2, 3]).order_by("pcode"),
        required=False,
    )
    areas = AreaMultipleChoiceField(
        label=_("Areas covered"),
        queryset=Area.objects.filter(level__in=[1, 2]).order_by("pcode"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Leave empty for the whole country. A region covers all its cercles. "
            "Hold Ctrl (or ⌘) to choose several."
        ),
    )
    user = AccountChoiceField(
        label=_("User account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Requests are routed to this account. Leave empty if the person has none."),
    )
    deputy = AccountChoiceField(
        label=_("Deputy's account"), queryset=User.objects.none(), required=False
    )
    deputy_name = forms.CharField(label=_("Deputy"), max_length=120, required=False)
    since = forms.DateField(label=_("Since"), widget=IsoDateInput())
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Leave empty while the person is in office."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("acronym")
        accounts = members_of(organisations)
        self.fields["user"].queryset = accounts
        self.fields["deputy"].queryset = accounts
        if not self.is_bound and "since" not in self.initial:
            self.initial["since"] = timezone.localdate()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date cannot be before the start date."))
        if data.get("user") and data.get("user") == data.get("deputy"):
            self.add_error("deputy", _("The deputy must be someone other than the focal point."))
        return data

    def values(self) -> tuple[dict, list]:
        data = dict(self.cleaned_data)
        areas = list(data.pop("areas") or [])
        return data, areas


class EndForm(forms.Form):
    until = forms.DateField(label=_("Last day as focal point"), widget=IsoDateInput())


class ObjectiveForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=250, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=250, required=False)
    description_fr = forms.CharField(
        label=_("Description (French)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    thematic_areas = ThemesField(
        label=_("Thematic areas"), queryset=ThematicArea.objects.all(), required=False
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if not (data.get("title_fr") or data.get("title_en")):
            self.add_error("title_fr", _("Give a title in French or in English."))
        return data


class ComponentForm(forms.Form):
    """A component relevant to the objective; a row without organisation is ignored."""

    organisation = OrganisationChoiceField(
        label=_("Component or organisation"),
        queryset=Organisation.objects.filter(active=True).order_by("acronym"),
        required=False,
    )
    relevance = forms.ChoiceField(
        label=_("Relevance"),
        choices=ObjectiveComponent.Relevance.choices,
        initial=ObjectiveComponent.Relevance.DIRECT,
    )
    activities = forms.CharField(
        label=_("Activities relevant to the objective"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BaseComponentFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            organisation = form.cleaned_data.get("organisation")
            if organisation is None or form.cleaned_data.get("DELETE"):
                continue
            if organisation.pk in seen:
                form.add_error(
                    "organisation",
                    _("%(org)s is listed twice among the relevant components.")
                    % {"org": organisation},
                )
            seen.add(organisation.pk)

    def rows(self) -> list[dict]:
        return [
            {key: form.cleaned_data.get(key) for key in ("organisation", "relevance", "activities")}
            for form in self.forms
            if form.cleaned_data.get("organisation") and not form.cleaned_data.get("DELETE")
        ]


ComponentFormSet = forms.formset_factory(
    ComponentForm, formset=BaseComponentFormSet, extra=3, can_delete=True, max_num=60
)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ObjectiveNote.Kind.choices)
    text = forms.CharField(
        label=_("Question or concern"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ProfileForm(forms.Form):
    role_fr = forms.CharField(
        label=_("Role and activities (French)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    role_en = forms.CharField(
        label=_("Role and activities (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    thematic_areas = ThemesField(
        label=_("Thematic areas"), queryset=ThematicArea.objects.all(), required=False
    )
    areas = AreaMultipleChoiceField(
        label=_("Where it works"),
        queryset=Area.objects.filter(level__in=[1, 2]).order_by("pcode"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Leave empty for the whole country. Hold Ctrl (or ⌘) to choose several."),
    )
    contact = forms.CharField(label=_("General contact"), max_length=200, required=False)
