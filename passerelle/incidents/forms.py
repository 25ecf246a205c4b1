"""Forms validate shape; the services validate the rules (and say why in the user's language)."""

from collections import Counter

from django import forms
from django.utils.translation import gettext_lazy as _

from passerelle.accounts.models import Organisation, User
from passerelle.core.forms import IsoDateInput
from passerelle.geography.models import Area
from passerelle.vocabularies.models import Term

from .models import Consent, DatePrecision, Level, Person, Sex, VerificationStatus
from .services import VERIFICATION_TRANSITIONS

SEXES = [Sex.FEMALE, Sex.MALE, Sex.UNKNOWN]


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class AreaChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, **kwargs):
        # Choices need names and codes, never the boundaries (hundreds of kilobytes each).
        super().__init__(queryset.defer("geometry"), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.pcode})"


def _terms(vocabulary):
    return Term.objects.of(vocabulary).order_by("sort_order", "code")


# The short name of each framework, added to a label several frameworks share ("Rape" is a
# category of CRSV, GBV and human rights monitoring, and an MRM sub-type).
FRAMEWORK_SHORT = {
    "mrm": _("MRM"),
    "crsv": _("CRSV"),
    "gbv": _("GBV"),
    "hr": _("human rights"),
    "pm": _("protection monitoring"),
}


def _unique_labels(terms, framework_of) -> dict:
    """term.pk -> its label, followed by its framework's short name when another term of the
    list has the same label (a closed list shows the option alone, without its group)."""
    seen = Counter(term.label.casefold() for term in terms)
    labels = {}
    for term in terms:
        label = term.label
        if seen[label.casefold()] > 1:
            root = framework_of(term)
            label = f"{label} ({FRAMEWORK_SHORT.get(root.code, root.standard or root.code)})"
        labels[term.pk] = label
    return labels


def grouped_category_choices():
    """Categories grouped by framework (MRM, CRSV, GBV, human rights, protection monitoring),
    each label unique."""
    terms = list(
        Term.objects.categories()
        .select_related("parent")
        .order_by("parent__sort_order", "sort_order")
    )
    labels = _unique_labels(terms, lambda term: term.parent)
    groups = {}
    for term in terms:
        groups.setdefault(term.parent, []).append((term.pk, labels[term.pk]))
    return [("", "---------")] + [(root.label, items) for root, items in groups.items()]


def grouped_subtype_choices():
    """Sub-types grouped by their category (the group's label names the category, so the list
    is usable without JavaScript); `subtype_categories` gives each one's category."""
    terms = list(
        Term.objects.subtypes()
        .select_related("parent__parent")
        .order_by("parent__parent__sort_order", "parent__sort_order", "sort_order")
    )
    categories = _unique_labels(
        sorted({t.parent for t in terms}, key=lambda c: c.pk), lambda c: c.parent
    )
    groups = {}
    for term in terms:
        groups.setdefault(categories[term.parent_id], []).append((term.pk, term.label))
    return [("", "---------")] + list(groups.items())


class SubTypeSelect(forms.Select):
    """Each option carries its category (`data-category`): static/js/incident_form.js shows
    only the sub-types of the chosen category; the service refuses any other."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_of: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        category = self.category_of.get(str(getattr(value, "value", value)))
        if category:
            option["attrs"]["data-category"] = category
        return option


def category_field(**kwargs):
    return TermChoiceField(queryset=Term.objects.categories(), label=_("Category"), **kwargs)


class IncidentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation")
    )
    occurred_on = forms.DateField(label=_("Date of incident"), widget=IsoDateInput())
    date_precision = forms.ChoiceField(label=_("Date precision"), choices=DatePrecision.choices)
    reported_on = forms.DateField(label=_("Date reported"), required=False, widget=IsoDateInput())
    region = AreaChoiceField(
        queryset=Area.objects.filter(level=1), label=_("Region"), required=False
    )
    area = AreaChoiceField(
        queryset=Area.objects.filter(level__gte=1),
        label=_("Area"),
        help_text=_("The cercle where it happened, or the region if unknown."),
    )
    exact_location = forms.CharField(
        label=_("Exact location"),
        required=False,
        max_length=300,
        help_text=_("Village, quarter or site. Confidential (level 3)."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=8, decimal_places=5
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=8, decimal_places=5
    )
    category = category_field()
    sub_type = TermChoiceField(
        queryset=Term.objects.subtypes(),
        label=_("Sub-type"),
        required=False,
        widget=SubTypeSelect,
        help_text=_("Only the sub-types of the chosen category can be chosen."),
    )
    perpetrator = TermChoiceField(
        queryset=_terms(Term.Vocabulary.PERPETRATOR),
        label=_("Perpetrator category"),
        required=False,
    )
    source_type = TermChoiceField(
        queryset=_terms(Term.Vocabulary.SOURCE_TYPE), label=_("Source type"), required=False
    )
    source_reliability = TermChoiceField(
        queryset=_terms(Term.Vocabulary.RELIABILITY), label=_("Source reliability"), required=False
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, without names. Confidential (level 3)."),
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", _("Default for the category"))] + [c for c in Level.choices if c[0] >= 2],
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = grouped_category_choices()
        self.fields["category"].widget.attrs["data-subtypes"] = "id_sub_type"
        self.fields["sub_type"].choices = grouped_subtype_choices()
        self.fields["sub_type"].widget.category_of = {
            str(pk): str(parent)
            for pk, parent in Term.objects.subtypes().values_list("pk", "parent_id")
        }
        ids = [o.pk for o in organisations]
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=ids)
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
            self.fields["organisation"].widget = forms.HiddenInput()
        self.age_groups = list(_terms(Term.Vocabulary.AGE_GROUP))
        self.count_rows = []
        for group in self.age_groups:
            row = []
            for sex in SEXES:
                name = f"count_{sex}_{group.code}"
                self.fields[name] = forms.IntegerField(
                    min_value=0,
                    max_value=100000,
                    required=False,
                    label=f"{group.label} – {sex.label}",
                    widget=forms.NumberInput(attrs={"class": "count", "min": 0}),
                )
                row.append(self[name])
            self.count_rows.append((group, row))

    def clean(self):
        data = super().clean()
        region, area = data.get("region"), data.get("area")
        if region and area and area != region and area.parent_id != region.pk:
            self.add_error("area", _("This cercle is not in the chosen region."))
        category, sub_type = data.get("category"), data.get("sub_type")
        if category and sub_type and sub_type.parent_id != category.pk:
            self.add_error("sub_type", _("This sub-type does not belong to the chosen category."))
        return data

    def victim_counts(self):
        counts = {}
        for group in self.age_groups:
            for sex in SEXES:
                value = self.cleaned_data.get(f"count_{sex}_{group.code}")
                if value:
                    counts[(sex.value, group)] = value
        return counts

    def service_values(self):
        data = self.cleaned_data
        keys = (
            "occurred_on",
            "date_precision",
            "reported_on",
            "area",
            "exact_location",
            "latitude",
            "longitude",
            "category",
            "sub_type",
            "perpetrator",
            "source_type",
            "source_reliability",
            "narrative",
            "classification",
        )
        values = {k: data.get(k) for k in keys}
        values["exact_location"] = values["exact_location"] or ""
        values["narrative"] = values["narrative"] or ""
        return values


class IncidentFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=IsoDateInput())
    region = AreaChoiceField(
        queryset=Area.objects.filter(level=1), label=_("Region"), required=False
    )
    area = AreaChoiceField(queryset=Area.objects.filter(level=2), label=_("Cercle"), required=False)
    category = category_field(required=False)
    framework = TermChoiceField(
        queryset=Term.objects.of(Term.Vocabulary.CATEGORY).filter(parent__isnull=True),
        label=_("Framework"),
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Verification status"),
        required=False,
        choices=[("", _("Any"))] + VerificationStatus.choices,
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = grouped_category_choices()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def apply(self, qs):
        return filter_incidents(qs, self.cleaned_data)


def filter_incidents(qs, data: dict):
    """Incidents narrowed by validated filter values (the list page's form, the API's query
    parameters): period, area (or region), category, framework, status, reference."""
    if data.get("date_from"):
        qs = qs.filter(occurred_on__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(occurred_on__lte=data["date_to"])
    if data.get("area"):
        qs = qs.filter(area__pcode__startswith=data["area"].pcode)
    elif data.get("region"):
        qs = qs.filter(area__pcode__startswith=data["region"].pcode)
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("framework"):
        qs = qs.filter(category__parent=data["framework"])
    if data.get("status"):
        qs = qs.filter(verification_status=data["status"])
    if data.get("reference"):
        qs = qs.filter(reference__icontains=data["reference"].strip())
    return qs


class VerificationForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = VERIFICATION_TRANSITIONS[VerificationStatus(current)]
        self.fields["to_status"].choices = [
            (s.value, s.label) for s in VerificationStatus if s in allowed
        ]


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Person.Role.choices)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0, max_value=120)
    age_group = TermChoiceField(
        queryset=_terms(Term.Vocabulary.AGE_GROUP),
        label=_("Age group"),
        required=False,
        help_text=_("Filled from the age when left empty."),
    )
    disability = forms.ChoiceField(
        label=_("Disability"), choices=Person.Disability.choices, initial=Person.Disability.UNKNOWN
    )
    displacement_status = TermChoiceField(
        queryset=_terms(Term.Vocabulary.DISPLACEMENT),
        label=_("Displacement status"),
        required=False,
    )
    full_name = forms.CharField(label=_("Full name"), required=False, max_length=200)
    father_name = forms.CharField(label=_("Father's name"), required=False, max_length=200)
    mother_name = forms.CharField(label=_("Mother's name"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    address = forms.CharField(label=_("Exact address"), required=False, max_length=300)

    IDENTITY = ("full_name", "father_name", "mother_name", "phone", "address")

    def __init__(self, *args, with_identity=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_identity = with_identity
        if not with_identity:
            for name in self.IDENTITY:
                del self.fields[name]

    def identity_fields(self):
        return [self[n] for n in self.IDENTITY if n in self.fields]

    def attribute_fields(self):
        return [self[n] for n in self.fields if n not in self.IDENTITY]

    def service_values(self):
        values = dict(self.cleaned_data)
        for name in self.IDENTITY:
            if name in values:
                values[name] = values[name].strip()
        return values


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("Consent to"), choices=Consent.Scope.choices)
    given = forms.TypedChoiceField(
        label=_("Answer"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Given")), ("no", _("Refused"))],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class NeedToKnowForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Colleague"))
    named = forms.TypedChoiceField(
        coerce=lambda v: v == "1", choices=[("1", "+"), ("0", "-")], widget=forms.HiddenInput
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(
                memberships__organisation=organisation, memberships__active=True, is_active=True
            )
            .distinct()
            .order_by("username")
        )
        self.fields["user"].label_from_instance = lambda u: u.display_name


class PersonSearchForm(forms.Form):
    name = forms.CharField(label=_("Full name"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)

    def clean(self):
        data = super().clean()
        if not (data.get("name") or data.get("phone")):
            raise forms.ValidationError(_("Give a name or a phone number."))
        return data
