"""Services (who does what where, for whom), referral pathways, survivors' needs and referrals.

Services and pathways are directory data (level 0–1): anyone logged in may read them.
Needs and referrals carry case data about a person: they are read through
`passerelle.policy` only (`Referral.objects` and `Need.objects` refuse unscoped queries).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from passerelle.core.fields import EncryptedTextField
from passerelle.core.guard import GuardedManager
from passerelle.core.models import BaseModel
from passerelle.core.names import in_reader_language


class ServiceType(models.TextChoices):
    """Service types: Primero's ids where one exists (domain/06-referrals.md), ours otherwise."""

    MEDICAL = "health_medical_service", _("Health / medical")
    PSYCHOSOCIAL = "psychosocial_service", _("Psychosocial support")
    LEGAL = "legal_assistance_service", _("Legal aid")
    SAFETY = "police_other_service", _("Safety and security")
    SHELTER = "safehouse_service", _("Shelter / safe house")
    LIVELIHOODS = "livelihoods_service", _("Livelihoods")
    DOCUMENTATION = "documentation_legal_identity", _("Civil documentation")
    FAMILY_TRACING = "family_tracing_reunification", _("Family tracing and reunification")
    CHILD_PROTECTION = "child_protection_service", _("Child protection case management")
    MINE_RISK = "mine_risk_education", _("Mine-risk education")
    MINE_VICTIM = "mine_victim_assistance", _("Mine victim assistance")
    DISABILITY = "disability_rehabilitation", _("Disability and rehabilitation")
    EDUCATION = "education_service", _("Education")
    FOOD = "food_service", _("Food")
    CASH = "cash_assistance", _("Cash assistance")
    OTHER = "other_service", _("Other")


class NeedKind(models.TextChoices):
    """Situations a pathway is drawn for."""

    GBV_SURVIVOR = "gbv_survivor", _("Survivor of gender-based violence")
    UASC = "uasc", _("Unaccompanied or separated child")
    CAAFAG = "caafag", _("Child released from armed forces or groups")
    JUSTICE = "justice", _("Victim of a violation seeking justice")
    DISABILITY = "disability", _("Person with a disability")
    RETURNEE_DOCUMENTS = "returnee_documents", _("Returnee without documents")
    MINE_VICTIM = "mine_victim", _("Victim of explosive ordnance")


# The service types each situation calls for, in the order a pathway usually takes them.
ESSENTIAL_SERVICES = {
    NeedKind.GBV_SURVIVOR: [
        ServiceType.MEDICAL,
        ServiceType.PSYCHOSOCIAL,
        ServiceType.SAFETY,
        ServiceType.LEGAL,
        ServiceType.SHELTER,
    ],
    NeedKind.UASC: [
        ServiceType.CHILD_PROTECTION,
        ServiceType.FAMILY_TRACING,
        ServiceType.SHELTER,
        ServiceType.PSYCHOSOCIAL,
    ],
    NeedKind.CAAFAG: [
        ServiceType.CHILD_PROTECTION,
        ServiceType.PSYCHOSOCIAL,
        ServiceType.FAMILY_TRACING,
        ServiceType.EDUCATION,
    ],
    NeedKind.JUSTICE: [ServiceType.LEGAL, ServiceType.PSYCHOSOCIAL],
    NeedKind.DISABILITY: [ServiceType.DISABILITY, ServiceType.MEDICAL],
    NeedKind.RETURNEE_DOCUMENTS: [ServiceType.DOCUMENTATION, ServiceType.LEGAL],
    NeedKind.MINE_VICTIM: [
        ServiceType.MEDICAL,
        ServiceType.MINE_VICTIM,
        ServiceType.DISABILITY,
        ServiceType.PSYCHOSOCIAL,
    ],
}

# Service types a protection cluster expects in every cercle (the "missing services" table).
CORE_SERVICES = [
    ServiceType.MEDICAL,
    ServiceType.PSYCHOSOCIAL,
    ServiceType.LEGAL,
    ServiceType.SAFETY,
    ServiceType.SHELTER,
    ServiceType.CHILD_PROTECTION,
    ServiceType.FAMILY_TRACING,
    ServiceType.DOCUMENTATION,
]


class TargetGroup(models.TextChoices):
    WOMEN = "women", _("Women")
    MEN = "men", _("Men")
    GIRLS = "girls", _("Girls")
    BOYS = "boys", _("Boys")


class ServiceQuerySet(models.QuerySet):
    def serving(self, area):
        """Services that serve the area or part of it: one of their areas contains it (a
        P-code prefix of the area's) or lies within it (the area's P-code is a prefix of
        theirs). The one SQL definition; `Service.serves` and `Service.reaches` are its twins."""
        prefixes = [area.pcode[:i] for i in range(2, len(area.pcode) + 1)]
        return self.filter(
            models.Q(areas__pcode__in=prefixes) | models.Q(areas__pcode__startswith=area.pcode)
        ).distinct()


class Service(BaseModel):
    """A service one organisation provides in some areas, for some people."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("A stable code (e.g. DRC-MOP-PSS-01): imports update the service with it."),
    )
    name = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(
        _("name (English)"),
        max_length=200,
        blank=True,
        help_text=_("Shown to English readers; the French name is shown when this is empty."),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    service_type = models.CharField(
        _("service type"), max_length=40, choices=ServiceType.choices, db_index=True
    )
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField(
        "geography.Area",
        verbose_name=_("areas served"),
        related_name="services",
        help_text=_("A service in a region or cercle serves every area within it."),
    )
    target_groups = models.JSONField(
        _("target groups"),
        default=list,
        help_text=_("Women, men, girls, boys."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    languages = models.CharField(
        _("languages"), max_length=120, blank=True, help_text=_("e.g. French, Bambara, Songhai")
    )
    hours = models.CharField(_("days and hours"), max_length=120, blank=True)
    location = models.CharField(_("where to go"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity per month"), null=True, blank=True, help_text=_("New cases a month.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("receives referrals"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The provider's case worker to whom referrals are addressed by name."),
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["provider__acronym", "service_type", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="service_age_range",
            )
        ]

    def __str__(self):
        return f"{self.display_name} ({self.provider})"

    @property
    def display_name(self) -> str:
        """The name in the reader's language."""
        return in_reader_language(self.name, self.name_en)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def serves(self, area) -> bool:
        """Does the service serve all of the area? (uses prefetched areas)"""
        return any(area.pcode.startswith(a.pcode) for a in self.areas.all())

    def reaches(self, area) -> bool:
        """Does it serve the area or part of it? (the Python twin of `serving`)"""
        return any(
            area.pcode.startswith(a.pcode) or a.pcode.startswith(area.pcode)
            for a in self.areas.all()
        )

    def target_labels(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [str(labels.get(t, t)) for t in self.target_groups]


class Pathway(BaseModel):
    """For one area and one situation: the services to refer to, in order, with fallbacks."""

    area = models.ForeignKey(
        "geography.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.CharField(_("situation"), max_length=24, choices=NeedKind.choices)
    notes = models.TextField(_("notes for field staff"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["area__pcode", "need"]
        verbose_name = _("referral pathway")
        verbose_name_plural = _("referral pathways")
        constraints = [
            models.UniqueConstraint(fields=["area", "need"], name="unique_pathway_area_need")
        ]

    def __str__(self):
        return f"{self.area} – {self.get_need_display()}"


class PathwayStep(models.Model):
    """One step of a pathway: a service type, with the services to try in order."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    service_type = models.CharField(_("service type"), max_length=40, choices=ServiceType.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    services = models.ManyToManyField(
        Service, through="PathwayOption", verbose_name=_("services"), related_name="+"
    )

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "position"], name="unique_step_position")
        ]

    def __str__(self):
        return f"{self.position}. {self.get_service_type_display()}"

    def options(self) -> list:
        return [o.service for o in self.pathway_options.all()]


class PathwayOption(models.Model):
    """A service for a step; rank 1 is the first choice, higher ranks are fallbacks."""

    step = models.ForeignKey(PathwayStep, on_delete=models.CASCADE, related_name="pathway_options")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        ordering = ["step", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["step", "service"], name="unique_option_service"),
            models.UniqueConstraint(fields=["step", "rank"], name="unique_option_rank"),
        ]

    def __str__(self):
        return f"{self.step_id}#{self.rank}: {self.service_id}"


class Need(BaseModel):
    """A need of one person of an incident, assessed at intake, and what was done about it
    (GBVIMS / Primero `lookup-service-referred`)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not yet decided")
        REFERRED = "referred", _("Referred")
        IN_HOUSE = "service_provided_by_your_agency", _("Provided by our organisation")
        ALREADY_RECEIVED = (
            "services_already_received_from_another_agency",
            _("Already received from another organisation"),
        )
        DECLINED = "referral_declined_by_survivor", _("Declined by the person")
        UNAVAILABLE = "service_unavailable", _("No service available (gap)")
        NOT_APPLICABLE = "service_not_applicable", _("Not needed after all")

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="needs"
    )
    person = models.ForeignKey(
        "incidents.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="needs"
    )
    service_type = models.CharField(_("service needed"), max_length=40, choices=ServiceType.choices)
    identified_on = models.DateField(_("identified on"))
    outcome = models.CharField(
        _("outcome"), max_length=48, choices=Outcome.choices, default=Outcome.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = GuardedManager()

    class Meta:
        ordering = ["identified_on", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service_type"], name="unique_need_per_person_type"
            )
        ]

    def __str__(self):
        return f"{self.person_id}: {self.service_type}"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity at present")
    NOT_ELIGIBLE = "not_eligible", _("Outside the service's target group")
    OUT_OF_AREA = "out_of_area", _("Outside the area served")
    NOT_REACHABLE = "not_reachable", _("The person could not be reached")
    PERSON_DECLINED = "person_declined", _("The person declined the service")
    INSUFFICIENT_INFO = "insufficient_info", _("Not enough information to act")
    OTHER = "other", _("Other")


class Referral(BaseModel):
    """A person of an incident referred to a service, with their consent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", pgettext_lazy("referral status", "Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", pgettext_lazy("referral status", "Declined")
        PROVIDED = "provided", _("Service provided")
        CLOSED = "closed", pgettext_lazy("referral status", "Closed")
        WITHDRAWN = "withdrawn", pgettext_lazy("referral status", "Withdrawn")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent (within 72 hours)")
        EMERGENCY = "emergency", _("Emergency (same day)")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="referrals"
    )
    person = models.ForeignKey(
        "incidents.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    sender = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    provider = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals_received"
    )
    protocol = models.ForeignKey(
        "sharing.Protocol",
        verbose_name=_("protocol"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text=_("None when the service belongs to the referring organisation."),
    )
    level = models.PositiveSmallIntegerField(
        _("what the provider sees"),
        choices=[
            (2, _("2 – the referral only: sex, age group, need, no case details")),
            (3, _("3 – with the case summary written below, no identity")),
            (4, _("4 – with name and contact, to the named receiver only")),
        ],
        default=3,
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    summary = EncryptedTextField(
        _("what the provider needs to know"),
        help_text=_("Only what the service needs; no names here. Shown at level 3 and above."),
    )
    consent = models.ForeignKey(
        "incidents.Consent",
        verbose_name=_("consent relied on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("accepted or declined at"), null=True, blank=True)
    provided_on = models.DateField(_("service provided on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True, db_index=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    provider_note = EncryptedTextField(_("note from the provider"))  # level 3, sealed
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    objects = GuardedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["sender", "status"]),
        ]

    def __str__(self):
        return self.reference

    OPEN = ("sent", "acknowledged", "accepted")

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReferralEvent(models.Model):
    """One step of a referral's history (who moved it, when, why)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Referral.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    # Level 3 free text about the case: encrypted, bound to the referral.
    note = EncryptedTextField(_("note"), bind="referral_id")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"
