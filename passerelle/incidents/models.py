"""Incidents, the people involved in them (with encrypted identities) and their consent.

Records are read through `passerelle.policy` only: `Incident.objects` refuses
unscoped list queries outside services, migrations and the policy itself (use
`policy.scope`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passerelle.core.fields import EncryptedTextField
from passerelle.core.guard import GuardedManager
from passerelle.core.models import BaseModel


class Level(models.IntegerChoices):
    PUBLIC = 0, _("0 – public")
    AGGREGATE = 1, _("1 – aggregate")
    RESTRICTED = 2, _("2 – restricted")
    CONFIDENTIAL = 3, _("3 – confidential")
    STRICT = 4, _("4 – strictly confidential")


class DataCategory(models.TextChoices):
    GRAVE_VIOLATIONS = "mrm", _("Grave violations against children")
    CRSV = "crsv", _("Conflict-related sexual violence")
    GBV = "gbv", _("Gender-based violence")
    HUMAN_RIGHTS = "hr", _("Human-rights violations")
    PROTECTION_MONITORING = "pm", _("Protection monitoring")


class VerificationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    UNDER_VERIFICATION = "under_verification", _("Under verification")
    VERIFIED = "verified", _("Verified")
    NOT_VERIFIED = "not_verified", _("Not verified")
    DISCARDED = "discarded", _("Discarded")


# Allowed moves of the verification workflow.
VERIFICATION_TRANSITIONS = {
    VerificationStatus.REPORTED: {
        VerificationStatus.UNDER_VERIFICATION,
        VerificationStatus.DISCARDED,
    },
    VerificationStatus.UNDER_VERIFICATION: {
        VerificationStatus.VERIFIED,
        VerificationStatus.NOT_VERIFIED,
        VerificationStatus.DISCARDED,
    },
    VerificationStatus.NOT_VERIFIED: {VerificationStatus.UNDER_VERIFICATION},
    VerificationStatus.VERIFIED: {VerificationStatus.UNDER_VERIFICATION},
    VerificationStatus.DISCARDED: {VerificationStatus.UNDER_VERIFICATION},
}


class DatePrecision(models.TextChoices):
    DAY = "day", _("Exact day")
    MONTH = "month", _("Month only")
    YEAR = "year", _("Year only")


class Sex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    UNKNOWN = "u", _("Unknown")


class Incident(BaseModel):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    occurred_on = models.DateField(_("date of incident"))
    date_precision = models.CharField(
        _("date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    reported_on = models.DateField(_("date reported"), null=True, blank=True)
    area = models.ForeignKey(
        "geography.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="incidents"
    )
    exact_location = EncryptedTextField(_("exact location"))
    # Exact coordinates (level 3) are encrypted like the place text beside them: decimal
    # degrees as text, 5 decimals. Maps and statistics use `area`, never these.
    latitude = EncryptedTextField(_("latitude"))
    longitude = EncryptedTextField(_("longitude"))
    category = models.ForeignKey(
        "vocabularies.Term", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    sub_type = models.ForeignKey(
        "vocabularies.Term",
        verbose_name=_("sub-type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data_category = models.CharField(
        _("data category"), max_length=8, choices=DataCategory.choices, db_index=True
    )
    perpetrator = models.ForeignKey(
        "vocabularies.Term",
        verbose_name=_("perpetrator category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_type = models.ForeignKey(
        "vocabularies.Term",
        verbose_name=_("source type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_reliability = models.ForeignKey(
        "vocabularies.Term",
        verbose_name=_("source reliability"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    narrative = EncryptedTextField(_("narrative"))
    verification_status = models.CharField(
        _("verification status"),
        max_length=20,
        choices=VerificationStatus.choices,
        default=VerificationStatus.REPORTED,
        db_index=True,
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"),
        choices=[c for c in Level.choices if c[0] >= 2],
        default=Level.RESTRICTED,
        help_text=_("The lowest level at which the record can be opened at all."),
    )
    need_to_know = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named users (need to know)"),
        blank=True,
        related_name="+",
    )

    objects = GuardedManager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["owner", "occurred_on"])]

    def __str__(self):
        return self.reference

    @property
    def total_victims(self):
        return sum(c.count for c in self.victim_counts.all())


class VictimCount(models.Model):
    """Victims of an incident by sex and age group (level 2: no person behind a count)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="victim_counts")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.ForeignKey(
        "vocabularies.Term", verbose_name=_("age group"), on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveIntegerField(_("number"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "sex", "age_group"], name="unique_victim_cell"
            ),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="victim_count_positive"),
        ]

    def __str__(self):
        return f"{self.sex}/{self.age_group_id}: {self.count}"


class VerificationEvent(models.Model):
    """One step of an incident's verification history."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="verification_history"
    )
    from_status = models.CharField(max_length=20, choices=VerificationStatus.choices)
    to_status = models.CharField(max_length=20, choices=VerificationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    # Level 3 free text about the case: encrypted, bound to the incident.
    note = EncryptedTextField(_("note"), bind="incident_id")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class Person(BaseModel):
    class Role(models.TextChoices):
        VICTIM = "victim", _("Victim / survivor")
        WITNESS = "witness", _("Witness")
        SOURCE = "source", _("Source")

    class Disability(models.TextChoices):
        NONE = "no", _("No")
        YES = "yes", _("Yes")
        UNKNOWN = "unknown", _("Unknown")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="persons")
    code = models.CharField(_("code"), max_length=20)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    age_group = models.ForeignKey(
        "vocabularies.Term",
        verbose_name=_("age group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disability = models.CharField(
        _("disability"), max_length=8, choices=Disability.choices, default=Disability.UNKNOWN
    )
    displacement_status = models.ForeignKey(
        "vocabularies.Term",
        verbose_name=_("displacement status"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Identity (level 4): encrypted at rest, revealed only through the policy module.
    full_name = EncryptedTextField(_("full name"))
    father_name = EncryptedTextField(_("father's name"))
    mother_name = EncryptedTextField(_("mother's name"))
    phone = EncryptedTextField(_("phone"))
    address = EncryptedTextField(_("exact address"))
    # Blind indexes: exact look-ups without decrypting.
    full_name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    objects = GuardedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(fields=["incident", "code"], name="unique_person_code")
        ]

    def __str__(self):
        return self.code


class Consent(BaseModel):
    class Scope(models.TextChoices):
        AGGREGATE_REPORTING = "aggregate_reporting", _("Reporting in aggregate statistics")
        CASE_SHARING = "case_sharing", _("Case-level sharing without identity")
        IDENTIFIABLE_SHARING = "identifiable_sharing", _("Sharing of identity with named partners")
        REFERRAL = "referral", _("Referral to services")

    # Level each scope allows a partner to see (aggregate: 1, case: 3, identity: 4).
    SCOPE_LEVEL = {
        Scope.AGGREGATE_REPORTING: 1,
        Scope.CASE_SHARING: 3,
        Scope.IDENTIFIABLE_SHARING: 4,
    }

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(_("scope"), max_length=24, choices=Scope.choices)
    given = models.BooleanField(_("consent given"))
    given_at = models.DateTimeField(_("recorded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedTextField(_("note"))  # level 3 free text about the person

    objects = GuardedManager()  # read through policy.scope / get_or_404, services unscoped()

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    @property
    def is_active(self):
        return self.given and self.withdrawn_at is None

    @classmethod
    def refuses_aggregate_reporting(cls, person: str = "pk"):
        """The one definition of "counts as refusal of aggregate reporting", as a condition on
        persons (`person`: the path to the person's pk in the outer query): the person was
        asked, and no consent to it stands now. An explicit refusal and a consent withdrawn
        take effect alike, at once (a new answer replaces the previous one, so a "yes" given
        again counts again)."""
        answers = cls.objects.filter(
            person_id=models.OuterRef(person), scope=cls.Scope.AGGREGATE_REPORTING
        )
        standing = answers.filter(given=True, withdrawn_at__isnull=True)
        return models.Exists(answers) & ~models.Exists(standing)
