"""Forms of the requests register: shape only; the services and the policy judge the rules
(who may ask whom, for what, under which protocol) again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.accounts.models import Organisation, User
from passerelle.core.forms import IsoDateInput
from passerelle.directory.models import ThematicArea
from passerelle.geography.models import Area
from passerelle.incidents.models import DataCategory
from passerelle.policy.purposes import FORBIDDEN, allowed_choices
from passerelle.policy.roles import ROLES

from . import similarity
from .models import DeclineReason, Request

INDENT = "\u2003"

# What each level asked means, in plain words (0–3: identities are never asked by request).
LEVEL_CHOICES = [
    (0, _("0 – public: information already public (reports, maps, contacts)")),
    (1, _("1 – aggregate: figures and trends, no incident detail (no protocol needed)")),
    (
        2,
        _(
            "2 – restricted: de-identified incidents (date, place, type), under a protocol in "
            "force between the two organisations"
        ),
    ),
    (
        3,
        _(
            "3 – confidential: case details without identities, under a protocol in force "
            "between the two organisations"
        ),
    ),
]


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=IsoDateInput(), **kwargs)


class RefusedChoicesMixin:
    """A choice field that also accepts values it never offers (`refused`): a crafted POST
    asking for them passes the form's shape check, so that the service refuses it with its
    reasons and the refusal is audited like any other, instead of a silent form error."""

    refused: tuple = ()

    def valid_value(self, value):
        return super().valid_value(value) or str(value) in {str(v) for v in self.refused}


class PurposeField(RefusedChoicesMixin, forms.ChoiceField):
    refused = tuple(FORBIDDEN)


class LevelField(RefusedChoicesMixin, forms.TypedChoiceField):
    refused = (4,)


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} – {obj.display_name}"


class ThemeField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AreaField(forms.ModelChoiceField):
    """The country, its regions and their cercles, indented under their region."""

    def label_from_instance(self, obj):
        return f"{INDENT * obj.level}{obj.name} ({obj.pcode})"


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def request_areas():
    return Area.objects.filter(level__lte=2).order_by("pcode").defer("geometry")


def answerers_of(organisation):
    """Active users who answer requests for the organisation."""
    roles = [r for r, role in ROLES.items() if "request.answer" in role.actions]
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation=organisation,
            memberships__active=True,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class RequestForm(forms.Form):
    asker = OrganisationField(label=_("Asked by"), queryset=Organisation.objects.none())
    addressee = OrganisationField(
        label=_("Addressed to"),
        queryset=Organisation.objects.filter(active=True).order_by("acronym"),
        help_text=_("The request goes to the organisation's focal point for the thematic area."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Request.Kind.choices)
    thematic_area = ThemeField(label=_("Thematic area"), queryset=ThematicArea.objects.all())
    area = AreaField(
        label=_("Area"),
        queryset=Area.objects.none(),
        help_text=_("The country, a region or a cercle."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("What is asked, and why"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Say what protection information you need and for which response. No names: a "
            "request is read by several people on both sides."
        ),
    )
    level = LevelField(
        label=_("Level of detail asked"),
        coerce=int,
        choices=LEVEL_CHOICES,
        initial=1,
        widget=forms.RadioSelect,
        help_text=_(
            "Ask for the least detail that serves the purpose. Identities are never given in "
            "answer to a request."
        ),
    )
    data_category = forms.ChoiceField(
        label=_("Data category"),
        choices=[("", _("None (not incident data)")), *DataCategory.choices],
        required=False,
        help_text=_("Needed for incident-level data (levels 2 and 3)."),
    )
    purpose = PurposeField(label=_("Purpose"), choices=())
    period_start = date_field(_("Period from"), required=False)
    period_end = date_field(_("Period to"), required=False)
    due_on = date_field(
        _("Answer needed by"),
        required=False,
        help_text=_("Leave empty for the usual delay (10 days for information, 7 for action)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        askers = sorted(policy.organisations(user, "request.create"), key=lambda o: o.acronym)
        self.fields["asker"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in askers]
        ).order_by("acronym")
        if len(askers) == 1:
            self.fields["asker"].initial = askers[0].pk
        self.fields["area"].queryset = request_areas()
        self.fields["purpose"].choices = [("", "---------"), *allowed_choices()]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data

    def never_given(self) -> bool:
        """Does the request ask what is never given (a forbidden purpose, identities)?"""
        data = getattr(self, "cleaned_data", {}) or {}
        return data.get("purpose") in FORBIDDEN or (data.get("level") or 0) > 3

    def request_values(self) -> dict:
        """The keyword arguments of `services.file_request`."""
        return dict(self.cleaned_data)

    def draft(self) -> similarity.Draft | None:
        """What the request being written asks, to compare with earlier requests (from the
        fields filled so far); None while there is no text to compare."""
        data = getattr(self, "cleaned_data", {}) or {}
        text = similarity.request_terms(data.get("subject", ""), data.get("body", ""))
        if not text:
            return None
        theme, area = data.get("thematic_area"), data.get("area")
        return similarity.Draft(
            terms=text,
            thematic_area=theme.pk if theme else None,
            data_category=data.get("data_category", ""),
            area_pcode=area.pcode if area else "",
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
        )


class AcknowledgeForm(forms.Form):
    assignee = UserField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Who answers for your organisation (leave empty to keep the routing)."),
    )

    def __init__(self, *args, request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = answerers_of(request.addressee)
        if request.assignee_id:
            self.fields["assignee"].initial = request.assignee_id


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("No names and no detail beyond the level asked."),
    )
    answer_level = forms.TypedChoiceField(label=_("Level of the answer"), coerce=int, choices=())
    answer_link = forms.CharField(
        label=_("Link to shared statistics"),
        max_length=500,
        required=False,
        help_text=_(
            "A statistics page of Passerelle with its filters (copy its address); the asker "
            "opens it with their own rights."
        ),
    )
    answer_disclosures = forms.ModelMultipleChoiceField(
        label=_("Records shared in answer"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_(
            "Incidents your organisation has already shared with the asker under the protocol, "
            "still in effect. Hold Ctrl (or ⌘) to choose several."
        ),
    )

    def __init__(self, *args, request: Request, disclosures, **kwargs):
        """`disclosures`: what the policy lets the user give in answer
        (`policy.inforequests.disclosures_to_answer_with`)."""
        super().__init__(*args, **kwargs)
        self.fields["answer_level"].choices = [
            c for c in LEVEL_CHOICES if c[0] <= request.level
        ] or LEVEL_CHOICES[:1]
        self.fields["answer_level"].initial = min(request.level, 1)
        self.fields["answer_disclosures"].queryset = disclosures.select_related("protocol")
        self.fields["answer_disclosures"].label_from_instance = _disclosure_label


def _disclosure_label(disclosure) -> str:
    return _("Shared on %(date)s, level %(level)s, under %(protocol)s") % {
        "date": disclosure.created_at.date().isoformat(),
        "level": disclosure.level,
        "protocol": disclosure.protocol.reference,
    }


class EarlierForm(forms.Form):
    earlier = forms.ModelChoiceField(label=_("Earlier request"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["earlier"].queryset = candidates
        self.fields["earlier"].label_from_instance = lambda r: f"{r.reference} – {r.subject}"


class DeclineForm(forms.Form):
    decline_reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *DeclineReason.choices]
    )
    decline_note = forms.CharField(
        label=_("Explanation"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the reason is “Other”."),
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=_("Search the subject"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Request.Status.choices], required=False
    )
    thematic_area = ThemeField(
        label=_("Thematic area"),
        queryset=ThematicArea.objects.all(),
        required=False,
        empty_label=_("All"),
    )
    asker = OrganisationField(
        label=_("Asked by"),
        queryset=Organisation.objects.order_by("acronym"),
        required=False,
        empty_label=_("All"),
    )
    addressee = OrganisationField(
        label=_("Addressed to"),
        queryset=Organisation.objects.order_by("acronym"),
        required=False,
        empty_label=_("All"),
    )
    date_from = date_field(_("Filed from"), required=False)
    date_to = date_field(_("Filed to"), required=False)

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(subject__icontains=data["q"].strip())
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        for name in ("thematic_area", "asker", "addressee"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("date_from"):
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset


class PeriodForm(forms.Form):
    date_from = date_field(_("Filed from"), required=False)
    date_to = date_field(_("Filed to"), required=False)

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("date_from"):
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset
