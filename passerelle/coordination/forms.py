"""Forms for bodies, memberships, meetings, action points and risk analyses: shape only; the
services judge the rules (`services.py`). Rows of the meeting formsets left blank are ignored;
a row filled in part is explained field by field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle.accounts.models import Organisation, User
from passerelle.core.forms import IsoDateInput, RowForm
from passerelle.directory.models import ThematicArea
from passerelle.geography.models import Area

from .models import ActionPoint, Attendance, Body, BodyMembership, EngagementRisk, Principle

BLANK = [("", "---------")]


def _date(**kwargs):
    return forms.DateField(widget=IsoDateInput(), **kwargs)


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.display_name}"


class OrganisationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.display_name}"


class AreaField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.pcode})"


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        acronyms = sorted({m.organisation.acronym for m in obj.memberships.all() if m.active})
        return f"{obj.display_name} ({', '.join(acronyms)})"


def organisations():
    return Organisation.objects.filter(active=True).order_by("acronym")


def places():
    return Area.objects.filter(level__lte=2).order_by("pcode")


def staff_of(org_ids):
    """Active users of these organisations (to name who is responsible)."""
    return (
        User.objects.filter(
            is_active=True, memberships__organisation_id__in=org_ids, memberships__active=True
        )
        .distinct()
        .prefetch_related("memberships__organisation")
        .order_by("last_name", "first_name", "username")
    )


# --------------------------------------------------------------------------- bodies


class BodyForm(forms.Form):
    name = forms.CharField(label=_("Name (French)"), max_length=200)
    name_en = forms.CharField(
        label=_("Name (English)"),
        max_length=200,
        required=False,
        help_text=_("Shown to English readers; the French name is shown when this is empty."),
    )
    acronym = forms.CharField(label=_("Short name"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=Body.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Part of"), queryset=Body.objects.none(), required=False
    )
    thematic_area = forms.ModelChoiceField(
        label=_("Thematic area"), queryset=ThematicArea.objects.all(), required=False
    )
    place = AreaField(
        label=_("Where it meets"),
        queryset=Area.objects.none(),
        help_text=Body._meta.get_field("place").help_text,
    )
    chair = OrganisationField(label=_("Chair"), queryset=Organisation.objects.none())
    co_chair = OrganisationField(
        label=_("Co-chair"), queryset=Organisation.objects.none(), required=False
    )
    frequency = forms.CharField(label=_("Meets"), max_length=80, required=False)
    terms = forms.CharField(
        label=_("Terms of reference"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, chairs, body=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs
        self.fields["co_chair"].queryset = organisations()
        self.fields["place"].queryset = places()
        parents = Body.objects.all()
        if body is not None:
            parents = parents.exclude(pk=body.pk)
        self.fields["parent"].queryset = parents


class MembershipForm(forms.Form):
    organisation = OrganisationField(label=_("Organisation"), queryset=Organisation.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=BodyMembership.Status.choices)
    since = _date(label=_("Since"), required=False)
    until = _date(label=_("Until"), required=False)
    risk = forms.ModelChoiceField(
        label=_("Engagement risk analysis"),
        queryset=EngagementRisk.objects.none(),
        required=False,
        help_text=_(
            "Required for a humanitarian organisation in a body of the mission. Left empty, "
            "the organisation's own open analysis of this body is linked."
        ),
    )
    note = forms.CharField(
        label=_("What the status means here"),
        max_length=300,
        required=False,
        help_text=_("E.g. observer: attends, receives minutes, is not bound by decisions."),
    )

    def __init__(self, *args, risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations()
        self.fields["risk"].queryset = risks
        self.fields["risk"].label_from_instance = lambda r: f"{r.organisation.acronym}: {r.title}"


class EndMembershipForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    until = _date(label=_("Ends on"), required=False)


# --------------------------------------------------------------------------- meetings


class MeetingForm(forms.Form):
    held_on = _date(label=_("Date"))
    place = AreaField(
        label=_("Place"),
        queryset=Area.objects.none(),
        required=False,
        help_text=_("Where the body usually meets, if left empty."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was discussed. No names of survivors or witnesses here."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places()


class AttendanceRow(RowForm):
    organisation = OrganisationField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Attendance"), choices=BLANK + Attendance.Status.choices, required=False
    )
    people = forms.IntegerField(label=_("People"), min_value=0, max_value=99, required=False)

    ROW_FIELDS = ("status",)  # a member listed without attendance is not recorded
    REQUIRED = ("organisation", "status")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations()


class DecisionRow(RowForm):
    text = forms.CharField(
        label=_("Decision"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    ROW_FIELDS = REQUIRED = ("text",)


class ActionRow(RowForm):
    text = forms.CharField(
        label=_("Action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = OrganisationField(
        label=_("Organisation responsible"), queryset=Organisation.objects.none(), required=False
    )
    owner_user = UserField(
        label=_("Person responsible"), queryset=User.objects.none(), required=False
    )
    due_on = _date(label=_("Due on"), required=False)

    ROW_FIELDS = ("text", "owner", "owner_user", "due_on")
    REQUIRED = ("text", "owner", "due_on")

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisations()
        self.fields["owner_user"].queryset = staff if staff is not None else User.objects.none()


AttendanceFormSet = forms.formset_factory(AttendanceRow, extra=2, max_num=80)
DecisionFormSet = forms.formset_factory(DecisionRow, extra=3, max_num=50)
ActionFormSet = forms.formset_factory(ActionRow, extra=3, max_num=50)


def kept_rows(formset) -> list[dict]:
    """The cleaned rows that are not blank."""
    return [
        form.cleaned_data
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.is_blank()
    ]


# --------------------------------------------------------------------------- action points


class ActionPointForm(forms.Form):
    text = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = OrganisationField(
        label=_("Organisation responsible"), queryset=Organisation.objects.none()
    )
    owner_user = UserField(
        label=_("Person responsible"), queryset=User.objects.none(), required=False
    )
    due_on = _date(label=_("Due on"))

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisations()
        self.fields["owner_user"].queryset = staff if staff is not None else User.objects.none()


class ActionPointUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionPoint.Status.choices)
    done_on = _date(
        label=_("Done on"), required=False, help_text=_("Today, if left empty and done.")
    )
    note = forms.CharField(label=_("Follow-up note"), max_length=500, required=False)


class ActionPointFilterForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Body"), queryset=Body.objects.none(), required=False)
    owner = OrganisationField(
        label=_("Organisation responsible"), queryset=Organisation.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open or in progress")), ("all", _("All")), *ActionPoint.Status.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        self.fields["owner"].queryset = organisations()


# --------------------------------------------------------------------------- risks

SCALE = [(n, str(n)) for n in range(1, 6)]


class RiskForm(forms.Form):
    organisation = OrganisationField(label=_("Organisation"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Risk"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    principle = forms.ChoiceField(label=_("Principle at stake"), choices=Principle.choices)
    body = forms.ModelChoiceField(
        label=_("Engagement concerned"),
        queryset=Body.objects.none(),
        required=False,
        help_text=_("The body whose participation this analysis guides."),
    )
    likelihood = forms.TypedChoiceField(label=_("Likelihood (1–5)"), choices=SCALE, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact (1–5)"), choices=SCALE, coerce=int)
    mitigation = forms.CharField(
        label=_("Mitigation"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner_user = UserField(label=_("Risk owner"), queryset=User.objects.none(), required=False)
    review_every_days = forms.IntegerField(
        label=_("Review every (days)"), min_value=7, max_value=730, initial=90
    )
    next_review = _date(
        label=_("Next review"),
        required=False,
        help_text=_("Left empty, the first review falls one period after today."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (EngagementRisk.Status.OPEN, EngagementRisk.Status.OPEN.label),
            (EngagementRisk.Status.ACCEPTED, EngagementRisk.Status.ACCEPTED.label),
        ],
    )
    shared_with = OrganisationsField(
        label=_("Shared with"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_(
            "Only these organisations' risk managers may read this analysis besides yours. "
            "A mission organisation reads it only if you name it here."
        ),
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = owners
        self.fields["body"].queryset = Body.objects.all()
        self.fields["owner_user"].queryset = staff_of([o.pk for o in owners])
        self.fields["shared_with"].queryset = organisations()


class RiskReviewForm(forms.Form):
    likelihood = forms.TypedChoiceField(label=_("Likelihood (1–5)"), choices=SCALE, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact (1–5)"), choices=SCALE, coerce=int)
    reviewed_on = _date(label=_("Reviewed on"), required=False)
    note = forms.CharField(
        label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RiskCloseForm(forms.Form):
    """Shown on the risk page with RiskReviewForm: its ids start with id_close_ so that the two
    `note` fields do not share an id (the names stay `note`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_close_%s")
        super().__init__(*args, **kwargs)

    note = forms.CharField(
        label=_("Why the analysis is closed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
