"""What the API reads and writes. Serializers validate shape only; the services validate the
rules and the policy decides what is shown (represent.py builds each record's JSON from
`policy.redact`). The output serializers here describe the schema: every field of a record is
optional, because a field the reader may not see is left out, not sent empty."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from passerelle.geography.models import Area
from passerelle.incidents.forms import filter_incidents
from passerelle.incidents.models import DatePrecision, Sex, VerificationStatus
from passerelle.sharing.forms import AggregateForm
from passerelle.vocabularies.models import Term


class CodeField(serializers.SlugRelatedField):
    """A record named by a code: a string without NUL characters (PostgreSQL refuses them in
    a query, which would be a server error, found by schemathesis), then looked up."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:
            raise serializers.ValidationError(_("Give the code as text."))
        return super().to_internal_value(data)


class TermField(CodeField):
    """A vocabulary term by its code, in one vocabulary."""

    def __init__(self, vocabulary: str, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Term.objects.filter(vocabulary=vocabulary, active=True))
        super().__init__(**kwargs)


class AreaField(CodeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "pcode")
        kwargs.setdefault("queryset", Area.objects.all())
        super().__init__(**kwargs)


class VictimCountIn(serializers.Serializer):
    sex = serializers.ChoiceField(choices=Sex.choices)
    age_group = TermField(Term.Vocabulary.AGE_GROUP)
    count = serializers.IntegerField(min_value=0, max_value=100000)


class IncidentIn(serializers.Serializer):
    """The fields the incident form takes (incidents.services.INCIDENT_EDITABLE), by code."""

    organisation = serializers.CharField(
        max_length=30,
        required=False,
        help_text=_("The acronym of the organisation recording it (default: your only one)."),
    )
    occurred_on = serializers.DateField()
    date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, default=DatePrecision.choices[0][0]
    )
    reported_on = serializers.DateField(required=False, allow_null=True)
    area = AreaField(help_text=_("P-code of the cercle, or of the region if unknown."))
    exact_location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=8, decimal_places=5, required=False, allow_null=True
    )
    category = TermField(Term.Vocabulary.CATEGORY)
    sub_type = TermField(Term.Vocabulary.CATEGORY, required=False, allow_null=True)
    perpetrator = TermField(Term.Vocabulary.PERPETRATOR, required=False, allow_null=True)
    source_type = TermField(Term.Vocabulary.SOURCE_TYPE, required=False, allow_null=True)
    source_reliability = TermField(Term.Vocabulary.RELIABILITY, required=False, allow_null=True)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    classification = serializers.ChoiceField(
        choices=[(2, "2"), (3, "3"), (4, "4")], required=False, allow_null=True
    )
    victim_counts = VictimCountIn(many=True, required=False)

    def validate_victim_counts(self, rows):
        counts = {}
        for row in rows:
            key = (row["sex"], row["age_group"])
            if key in counts:
                raise serializers.ValidationError(_("Each sex and age group only once."))
            if row["count"]:
                counts[key] = row["count"]
        return counts


# --------------------------------------------------------------------------- query parameters


class IncidentFilter(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    area = AreaField(required=False, help_text=_("P-code: incidents in this area or below it."))
    category = TermField(Term.Vocabulary.CATEGORY, required=False)
    status = serializers.ChoiceField(choices=VerificationStatus.choices, required=False)
    reference = serializers.CharField(max_length=40, required=False)

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError(
                {"date_to": _("The end of the period is before its start.")}
            )
        return data

    def apply(self, qs):
        return filter_incidents(qs, self.validated_data)  # the list page's own filter


class IncidentOf(serializers.Serializer):
    incident = serializers.UUIDField(required=False, help_text=_("Only those of this incident."))


class DisclosureFilter(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=[("sent", _("sent")), ("received", _("received"))], default="received"
    )


class ReferralFilter(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=[("sent", _("sent")), ("received", _("received"))], required=False
    )


class AreaFilter(serializers.Serializer):
    level = serializers.IntegerField(min_value=0, max_value=4, required=False)
    parent = serializers.CharField(max_length=20, required=False)


class TermFilter(serializers.Serializer):
    vocabulary = serializers.ChoiceField(choices=Term.Vocabulary.choices, required=False)


class AggregateQuery(serializers.Serializer):
    """The aggregate page's form (sharing.forms.AggregateForm), as query parameters."""

    purpose = serializers.ChoiceField(choices=AggregateForm.base_fields["purpose"].choices[1:])
    rows = serializers.ChoiceField(choices=AggregateForm.DIMENSIONS, default="area")
    columns = serializers.ChoiceField(choices=AggregateForm.DIMENSIONS, default="period")
    area_level = serializers.ChoiceField(choices=[(1, "1"), (2, "2")], default=1)
    period = serializers.ChoiceField(
        choices=[("month", "month"), ("quarter", "quarter"), ("year", "year")], default="quarter"
    )
    data_category = serializers.ChoiceField(
        choices=AggregateForm.base_fields["data_category"].choices[1:], required=False
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        form = AggregateForm(
            {
                k: v
                for k, v in {**data, "data_category": data.get("data_category", "")}.items()
                if v is not None
            }
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {k: [str(m) for m in v] for k, v in form.errors.items()}
            )
        return form.cleaned_data


class GapsQuery(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    region = AreaField(required=False, queryset=Area.objects.filter(level=1))

    def validate(self, data):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise serializers.ValidationError({"end": _("The end comes before the start.")})
        return data


# --------------------------------------------------------------------------- schema only


OPT = {"required": False, "allow_null": True}  # a field the reader may not be shown


class Coded(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class AreaRef(serializers.Serializer):
    pcode = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()


class VictimCountOut(serializers.Serializer):
    sex = serializers.CharField()
    age_group = serializers.CharField()
    count = serializers.IntegerField()


class VerificationOut(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)


class IncidentOut(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField(**OPT)
    owner = serializers.CharField(**OPT)
    occurred_on = serializers.DateField(**OPT)
    date_precision = serializers.CharField(**OPT)
    reported_on = serializers.DateField(**OPT)
    area = AreaRef(**OPT)
    category = Coded(**OPT)
    sub_type = Coded(**OPT)
    data_category = serializers.CharField(**OPT)
    perpetrator = Coded(**OPT)
    victim_counts = VictimCountOut(many=True, **OPT)
    source_reliability = Coded(**OPT)
    verification_status = serializers.CharField(**OPT)
    classification = serializers.IntegerField(**OPT)
    source_type = Coded(**OPT)
    recorded_by = serializers.CharField(**OPT)
    verification_history = VerificationOut(many=True, **OPT)
    narrative = serializers.CharField(allow_blank=True, **OPT)
    exact_location = serializers.CharField(allow_blank=True, **OPT)
    latitude = serializers.CharField(**OPT)
    longitude = serializers.CharField(**OPT)
    persons = serializers.ListField(child=serializers.UUIDField(), **OPT)


class ConsentOut(serializers.Serializer):
    id = serializers.UUIDField()
    person = serializers.UUIDField()
    scope = serializers.CharField()
    given = serializers.BooleanField()
    given_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


class PersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    incident = serializers.UUIDField()
    code = serializers.CharField(**OPT)
    role = serializers.CharField(**OPT)
    sex = serializers.CharField(**OPT)
    age = serializers.IntegerField(**OPT)
    age_group = Coded(**OPT)
    disability = serializers.CharField(**OPT)
    displacement_status = Coded(**OPT)
    consents = ConsentOut(many=True, **OPT)
    full_name = serializers.CharField(allow_blank=True, **OPT)
    father_name = serializers.CharField(allow_blank=True, **OPT)
    mother_name = serializers.CharField(allow_blank=True, **OPT)
    phone = serializers.CharField(allow_blank=True, **OPT)
    address = serializers.CharField(allow_blank=True, **OPT)


class DisclosureOut(serializers.Serializer):
    id = serializers.UUIDField()
    incident = serializers.UUIDField()
    reference = serializers.CharField()
    owner = serializers.CharField()
    recipient = serializers.CharField()
    protocol = serializers.CharField(allow_null=True)
    purpose = serializers.CharField()
    level = serializers.IntegerField()
    disclosed_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ReferralOut(serializers.Serializer):
    id = serializers.UUIDField()
    level = serializers.IntegerField()
    reference = serializers.CharField(**OPT)
    service = serializers.UUIDField(**OPT)
    provider = serializers.CharField(**OPT)
    sender = serializers.CharField(**OPT)
    status = serializers.CharField(**OPT)
    urgency = serializers.CharField(**OPT)
    sent_at = serializers.DateTimeField(**OPT)
    acknowledged_at = serializers.DateTimeField(**OPT)
    responded_at = serializers.DateTimeField(**OPT)
    provided_on = serializers.DateField(**OPT)
    closed_at = serializers.DateTimeField(**OPT)
    follow_up_due = serializers.DateField(**OPT)
    sex = serializers.CharField(**OPT)
    age_group = Coded(**OPT)
    age = serializers.IntegerField(**OPT)
    disability = serializers.CharField(**OPT)
    area = AreaRef(**OPT)
    need = serializers.CharField(**OPT)
    code = serializers.CharField(**OPT)
    summary = serializers.CharField(allow_blank=True, **OPT)
    provider_note = serializers.CharField(allow_blank=True, **OPT)
    full_name = serializers.CharField(allow_blank=True, **OPT)
    phone = serializers.CharField(allow_blank=True, **OPT)
    address = serializers.CharField(allow_blank=True, **OPT)


class ServiceOut(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    provider = serializers.CharField()
    service_type = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    areas = serializers.ListField(child=serializers.CharField())
    target_groups = serializers.JSONField()
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    languages = serializers.CharField(allow_blank=True)
    hours = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    contact_name = serializers.CharField(allow_blank=True)
    contact_phone = serializers.CharField(allow_blank=True)
    contact_email = serializers.CharField(allow_blank=True)
    capacity = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()


class RequestOut(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    asker = serializers.CharField()
    addressee = serializers.CharField()
    data_category = serializers.CharField(allow_blank=True)
    level = serializers.IntegerField()
    purpose = serializers.CharField()
    area = AreaRef(allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    subject = serializers.CharField()
    body = serializers.CharField(allow_blank=True, **OPT)
    due_on = serializers.DateField()
    status = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    answer_level = serializers.IntegerField(allow_null=True)
    answer = serializers.CharField(allow_blank=True, **OPT)


class AreaOut(serializers.Serializer):
    pcode = serializers.CharField()
    name_fr = serializers.CharField()
    name_en = serializers.CharField()
    level = serializers.IntegerField()
    parent = serializers.CharField(allow_null=True)


class TermOut(serializers.Serializer):
    vocabulary = serializers.CharField()
    code = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    label_fr = serializers.CharField()
    label_en = serializers.CharField()
    standard = serializers.CharField(allow_blank=True)


class CellOut(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()


class AggregateOut(serializers.Serializer):
    rows_dimension = serializers.CharField()
    columns_dimension = serializers.CharField()
    rows = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField())
    cells = serializers.ListField(child=CellOut(many=True))
    row_totals = CellOut(many=True)
    column_totals = CellOut(many=True)
    total = CellOut()
    k = serializers.IntegerField()
    rounding = serializers.IntegerField()
    period = serializers.CharField()
    area_level = serializers.IntegerField()
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    widened = serializers.BooleanField()
    incidents = serializers.IntegerField(allow_null=True)
    protocols = serializers.ListField(child=serializers.CharField())


class GapRowOut(serializers.Serializer):
    pcode = serializers.CharField()
    name = serializers.CharField()
    values = serializers.JSONField()


class GapsOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = GapRowOut(many=True)
