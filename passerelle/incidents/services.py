"""Every write on incidents, persons and consent: actor first, atomic, audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from passerelle import policy
from passerelle.core import audit, crypto, sequences
from passerelle.core.errors import DomainError
from passerelle.core.fields import Sealed
from passerelle.core.guard import unscoped
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.vocabularies.models import Term

from .models import (
    VERIFICATION_TRANSITIONS,
    Consent,
    DataCategory,
    Incident,
    Person,
    Sex,
    VerificationEvent,
    VerificationStatus,
    VictimCount,
)
from .signals import consent_changed

SENSITIVE_CATEGORIES = {DataCategory.CRSV, DataCategory.GBV}

# Age (years) → age-group code.
AGE_BANDS = [(4, "0_4"), (11, "5_11"), (17, "12_17"), (59, "18_59"), (200, "60_plus")]

INCIDENT_EDITABLE = (
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
PERSON_EDITABLE = (
    "role",
    "sex",
    "age",
    "age_group",
    "disability",
    "displacement_status",
    *IDENTITY_FIELDS,
)


def _require_in(actor, action: str, organisation) -> None:
    if organisation not in policy.organisations(actor, action):
        policy.audit_refusal(actor, action, reason="not a member with this role")
        raise DomainError(
            _("You are not allowed to do this for that organisation."), code="forbidden"
        )


def _term(term, vocabulary: str, field: str):
    if term is not None and (term.vocabulary != vocabulary or not term.active):
        raise DomainError(_("This value is not in the list of allowed values."), field=field)
    return term


def _check_category(category) -> None:
    """A category proper: a child of a framework root, neither a root nor a sub-type."""
    if (
        category is None
        or category.vocabulary != Term.Vocabulary.CATEGORY
        or (category.parent is None or category.parent.parent_id is not None)
    ):
        raise DomainError(_("Choose a category of incident."), field="category")


def _validate_incident(values: dict) -> None:
    today = timezone.now().date()
    category = values.get("category")
    _check_category(category)
    sub_type = values.get("sub_type")
    if sub_type is not None and sub_type.parent_id != category.pk:
        raise DomainError(
            _("This sub-type does not belong to the chosen category."), field="sub_type"
        )
    occurred_on = values.get("occurred_on")
    if occurred_on is None:
        raise DomainError(_("Give the date of the incident."), field="occurred_on")
    if occurred_on > today:
        raise DomainError(
            _("The date of the incident cannot be in the future."), field="occurred_on"
        )
    if occurred_on < dt.date(1990, 1, 1):
        raise DomainError(
            _("The date of the incident is too far in the past."), field="occurred_on"
        )
    reported_on = values.get("reported_on")
    if reported_on is not None and reported_on < occurred_on:
        raise DomainError(
            _("An incident cannot be reported before it happened."), field="reported_on"
        )
    if reported_on is not None and reported_on > today:
        raise DomainError(_("The report date cannot be in the future."), field="reported_on")
    lat, lon = _coordinate(values, "latitude"), _coordinate(values, "longitude")
    if (lat is None) != (lon is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), field="latitude")
    if lat is not None and not (Decimal(-90) <= lat <= Decimal(90)):
        raise DomainError(_("Latitude must be between -90 and 90."), field="latitude")
    if lon is not None and not (Decimal(-180) <= lon <= Decimal(180)):
        raise DomainError(_("Longitude must be between -180 and 180."), field="longitude")
    for field, value in (("latitude", lat), ("longitude", lon)):
        # One spelling (5 decimals), so that an unchanged coordinate compares equal.
        values[field] = None if value is None else value.quantize(Decimal("0.00001"))
    if values.get("area") is None:
        raise DomainError(_("Choose the area where it happened."), field="area")
    if values["area"].level < 1:
        raise DomainError(_("Choose at least a region, not the whole country."), field="area")
    for field, vocab in (
        ("perpetrator", Term.Vocabulary.PERPETRATOR),
        ("source_type", Term.Vocabulary.SOURCE_TYPE),
        ("source_reliability", Term.Vocabulary.RELIABILITY),
    ):
        _term(values.get(field), vocab, field)
    if values.get("classification") not in (2, 3, 4):
        raise DomainError(_("Choose a classification level of 2, 3 or 4."), field="classification")


def _coordinate(values: dict, field: str) -> Decimal | None:
    """A coordinate as a Decimal (stored encrypted, so read back as text)."""
    value = values.get(field)
    if isinstance(value, Sealed):
        value = value.reveal()
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise DomainError(_("Enter a number."), field=field)
    return number


def check_victim_count(age_group, count) -> None:
    """One cell of victim counts: a number not below zero, an age group of the list."""
    if count is not None and count < 0:
        raise DomainError(_("A number of victims cannot be negative."), field="victim_counts")
    _term(age_group, Term.Vocabulary.AGE_GROUP, "victim_counts")


def _set_counts(incident, victim_counts: dict) -> None:
    incident.victim_counts.all().delete()
    rows = []
    for (sex, age_group), count in sorted(
        victim_counts.items(), key=lambda kv: (kv[0][0], kv[0][1].pk)
    ):
        if count is None or count == 0:
            continue
        check_victim_count(age_group, count)
        rows.append(VictimCount(incident=incident, sex=sex, age_group=age_group, count=count))
    VictimCount.objects.bulk_create(rows)


def _check_counts_cover_persons(incident, victim_counts: dict) -> None:
    """The victim counts include the victims recorded one by one (see `check_counts_cover`)."""
    with unscoped():
        victims = list(
            incident.persons.filter(role=Person.Role.VICTIM).values_list("sex", "age_group_id")
        )
    counts = {(sex, group.pk): count or 0 for (sex, group), count in victim_counts.items()}
    check_counts_cover(counts, victims)


def check_counts_cover(counts: dict, victims: list, groups: dict | None = None) -> None:
    """The rule itself, on plain values: `counts` maps (sex, age-group pk) to a number,
    `victims` lists the (sex, age-group pk or None) of the victims recorded as persons. No
    cell below the victims recorded in it, no total below all recorded victims. `groups`
    (pk → Term) spares a query for the message."""
    if not victims:
        return
    cells = Counter((sex, group_id) for sex, group_id in victims if group_id is not None)
    for (sex, group_id), recorded in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if counts.get((sex, group_id), 0) < recorded:
            group = (groups or {}).get(group_id) or Term.objects.get(pk=group_id)
            raise DomainError(
                ngettext_lazy(
                    "%(count)d victim of this sex and age group (%(group)s, %(sex)s) is "
                    "recorded as a person of this incident: the count cannot be lower.",
                    "%(count)d victims of this sex and age group (%(group)s, %(sex)s) are "
                    "recorded as persons of this incident: the count cannot be lower.",
                    recorded,
                )
                % {"count": recorded, "group": group.label, "sex": Sex(sex).label},
                field=f"count_{sex}_{group.code}",
            )
    if sum(counts.values()) < len(victims):
        raise DomainError(
            ngettext_lazy(
                "%(count)d victim is recorded as a person of this incident: the victim counts "
                "cannot add up to fewer.",
                "%(count)d victims are recorded as persons of this incident: the victim counts "
                "cannot add up to fewer.",
                len(victims),
            )
            % {"count": len(victims)},
            field="victim_counts",
        )


def _data_category(category) -> str:
    return DataCategory(category.parent.code)


def default_classification(category) -> int:
    return 3 if _data_category(category) in SENSITIVE_CATEGORIES else 2


@audit.service
def record_incident(
    actor, *, organisation, victim_counts: dict | None = None, **values
) -> Incident:
    """Record a new incident for `organisation`; returns it."""
    _require_in(actor, "incident.create", organisation)
    unknown = set(values) - set(INCIDENT_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    _check_category(values.get("category"))  # before deriving the default classification
    if values.get("classification") is None:
        values["classification"] = default_classification(values["category"])
    _validate_incident(values)
    public_id = uuid.uuid4()
    incident = Incident(
        public_id=public_id,
        owner=organisation,
        recorded_by=actor,
        reference=sequences.next_reference(
            prefix=reference_prefix(organisation, values["occurred_on"]),
            width=REFERENCE_WIDTH,
            model=Incident,
        ),
        data_category=_data_category(values["category"]),
        **values,
    )
    incident.save()
    _set_counts(incident, victim_counts or {})
    audit.record(
        actor, "incident.create", incident, organisation=organisation, level=incident.classification
    )
    return incident


@audit.service
def update_incident(
    actor, incident: Incident, *, victim_counts: dict | None = None, **changes
) -> Incident:
    policy.require(actor, "incident.edit", incident)
    unknown = set(changes) - set(INCIDENT_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    values = {f: getattr(incident, f) for f in INCIDENT_EDITABLE}
    values.update(changes)
    _validate_incident(values)
    changes.update({f: values[f] for f in ("latitude", "longitude") if f in changes})
    changed = sorted(f for f in changes if _differs(getattr(incident, f), changes[f]))
    for field in changed:
        setattr(incident, field, changes[field])
    incident.data_category = _data_category(incident.category)
    incident.save()
    if victim_counts is not None:
        _check_counts_cover_persons(incident, victim_counts)
        _set_counts(incident, victim_counts)
        changed.append("victim_counts")
    audit.record(
        actor,
        "incident.update",
        incident,
        organisation=incident.owner,
        level=incident.classification,
        detail={"fields": changed},
    )
    return incident


def _differs(old, new) -> bool:
    from passerelle.core.fields import Sealed, reveal

    if isinstance(old, Sealed) or isinstance(new, Sealed):
        return reveal(old) != reveal(new)
    if old in (None, "") and new in (None, ""):
        return False
    return old != new


@audit.service
def change_verification_status(
    actor, incident: Incident, *, to_status: str, note: str = ""
) -> Incident:
    policy.require(actor, "incident.verify", incident)
    current = VerificationStatus(incident.verification_status)
    target = VerificationStatus(to_status)
    if target not in VERIFICATION_TRANSITIONS[current]:
        raise DomainError(
            _("An incident cannot go from “%(from)s” to “%(to)s”.")
            % {"from": current.label, "to": target.label},
            field="to_status",
        )
    if (
        target in (VerificationStatus.NOT_VERIFIED, VerificationStatus.DISCARDED)
        and not note.strip()
    ):
        raise DomainError(_("Explain why in a note."), field="note")
    VerificationEvent.objects.create(
        incident=incident, from_status=current, to_status=target, actor=actor, note=note.strip()
    )
    incident.verification_status = target
    incident.save(update_fields=["verification_status", "updated_at"])
    audit.record(
        actor,
        "incident.verification",
        incident,
        organisation=incident.owner,
        detail={"from": current.value, "to": target.value},
    )
    return incident


def age_group_code(age: int | None) -> str | None:
    """The age-group code of an age in years (None: no age, or beyond the bands)."""
    if age is None:
        return None
    for upper, code in AGE_BANDS:
        if age <= upper:
            return code
    return None


def age_group_for(age: int | None):
    code = age_group_code(age)
    if code is None:
        return None
    return Term.objects.get(vocabulary=Term.Vocabulary.AGE_GROUP, code=code)


def person_code(role: str, number: int) -> str:
    """A person's code within an incident: role letter, number, four random characters."""
    prefix = {"victim": "V", "witness": "W", "source": "S"}[role]
    return f"{prefix}{number:02d}-{uuid.uuid4().hex[:4].upper()}"


def reference_prefix(organisation, occurred_on) -> str:
    """The prefix of an incident's reference: the owner's acronym and the incident's year."""
    return f"{organisation.acronym}-{occurred_on:%Y}-"


REFERENCE_WIDTH = 6


_ROLES = frozenset(Person.Role.values)


def _validate_person(values: dict) -> None:
    if values.get("role") not in _ROLES:
        raise DomainError(
            _("Choose whether the person is a victim, a witness or a source."), field="role"
        )
    age = values.get("age")
    if age is not None and not 0 <= age <= 120:
        raise DomainError(_("Age must be between 0 and 120 years."), field="age")
    _term(values.get("age_group"), Term.Vocabulary.AGE_GROUP, "age_group")
    _term(values.get("displacement_status"), Term.Vocabulary.DISPLACEMENT, "displacement_status")
    phone = values.get("phone") or ""
    if phone and not all(c.isdigit() or c in "+ -()" for c in phone):
        raise DomainError(
            _("A phone number may contain only digits, spaces and + - ( )."), field="phone"
        )


def _index(person: Person, values: dict) -> None:
    if "full_name" in values:
        person.full_name_index = crypto.blind_index(values["full_name"] or "", "person.name")
    if "phone" in values:
        digits = "".join(c for c in values["phone"] or "" if c.isdigit())
        person.phone_index = crypto.blind_index(digits, "person.phone")


def _person_number(incident: Incident) -> int:
    """The person's number within the incident (the 3 of "W03-…"), unique by construction:
    a counter per incident, started after the highest number already given."""

    def highest() -> int:
        with unscoped():
            codes = Person._base_manager.filter(incident=incident).values_list("code", flat=True)
            numbers = [c[1:].split("-", 1)[0] for c in codes]
        return max((int(n) for n in numbers if n.isdigit()), default=0)

    return sequences.next_value(f"incidents.person:{incident.public_id}", seed=highest)


@audit.service
def add_person(actor, incident: Incident, **values) -> Person:
    policy.require(actor, "person.create", incident)
    unknown = set(values) - set(PERSON_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    has_identity = any(values.get(f) for f in IDENTITY_FIELDS)
    if has_identity and not policy.can(actor, "person.view_identity", incident):
        policy.audit_refusal(actor, "person.view_identity", incident)
        raise DomainError(
            _("You are not allowed to record identities for this incident."), code="forbidden"
        )
    values.setdefault("sex", "u")
    if values.get("age_group") is None and values.get("age") is not None:
        values["age_group"] = age_group_for(values["age"])
    _validate_person(values)
    person = Person(
        incident=incident, code=person_code(values["role"], _person_number(incident)), **values
    )
    _index(person, values)
    person.save()
    audit.record(
        actor, "person.create", person, organisation=incident.owner, level=4 if has_identity else 3
    )
    return person


@audit.service
def update_person(actor, person: Person, **changes) -> Person:
    policy.require(actor, "person.edit", person)
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    identity_changes = {f for f in changes if f in IDENTITY_FIELDS}
    if identity_changes:
        policy.require(actor, "person.view_identity", person)
    values = {f: getattr(person, f) for f in PERSON_EDITABLE if f not in IDENTITY_FIELDS}
    values.update({k: v for k, v in changes.items() if k not in IDENTITY_FIELDS})
    values.update({k: changes[k] for k in identity_changes})
    if "age" in changes and "age_group" not in changes and changes["age"] is not None:
        values["age_group"] = changes["age_group"] = age_group_for(changes["age"])
    _validate_person(values)
    changed = sorted(f for f in changes if _differs(getattr(person, f), changes[f]))
    for field in changed:
        value = changes[field]
        setattr(person, field, (value or None) if field in IDENTITY_FIELDS else value)
    _index(person, {f: changes[f] for f in changed if f in ("full_name", "phone")})
    person.save()
    audit.record(
        actor,
        "person.update",
        person,
        organisation=person.incident.owner,
        level=4 if identity_changes else 3,
        detail={"fields": changed},
    )
    return person


@audit.service
def record_consent(actor, person: Person, *, scope: str, given: bool, note: str = "") -> Consent:
    policy.require(actor, "consent.record", person)
    if scope not in Consent.Scope.values:
        raise DomainError(_("Choose what the consent covers."), field="scope")
    now = timezone.now()
    # A new answer for the same scope replaces the previous one.
    with unscoped():  # consents are guarded; the service writes after policy.require
        Consent.objects.filter(person=person, scope=scope, withdrawn_at__isnull=True).update(
            withdrawn_at=now
        )
    consent = Consent.objects.create(
        person=person, scope=scope, given=given, given_at=now, recorded_by=actor, note=note.strip()
    )
    audit.record(
        actor,
        "consent.record",
        person,
        organisation=person.incident.owner,
        detail={"scope": scope, "given": given},
    )
    consent_changed.send(sender=Consent, incident=person.incident, actor=actor)
    return consent


@audit.service
def withdraw_consent(actor, consent: Consent) -> Consent:
    policy.require(actor, "consent.record", consent)
    if consent.withdrawn_at is not None:
        raise DomainError(_("This consent was already withdrawn."))
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at", "updated_at"])
    audit.record(
        actor,
        "consent.withdraw",
        consent.person,
        organisation=consent.person.incident.owner,
        detail={"scope": consent.scope},
    )
    consent_changed.send(sender=Consent, incident=consent.person.incident, actor=actor)
    return consent


@audit.service
def set_need_to_know(actor, incident: Incident, *, user, named: bool) -> None:
    """Name (or un-name) a colleague of the owning organisation on an incident."""
    policy.require(actor, "incident.manage_access", incident)
    if not user.memberships.filter(organisation=incident.owner, active=True).exists():
        raise DomainError(_("Only members of the owning organisation can be named."), field="user")
    if named:
        incident.need_to_know.add(user)
    else:
        incident.need_to_know.remove(user)
    audit.record(
        actor,
        "incident.need_to_know",
        incident,
        organisation=incident.owner,
        detail={"user": str(user.public_id), "named": named},
    )


def find_persons(actor, *, name: str = "", phone: str = ""):
    """Persons of the actor's organisations whose name or phone matches exactly (blind index)."""
    qs = policy.scope(actor, Person.objects.all(), "person.view_identity")
    if name:
        qs = qs.filter(full_name_index=crypto.blind_index(name, "person.name"))
    if phone:
        digits = "".join(c for c in phone if c.isdigit())
        qs = qs.filter(phone_index=crypto.blind_index(digits, "person.phone"))
    if not (name or phone):
        return qs.none()
    # under each organisation whose people were searched: their administrators see it
    audit.record_each(
        actor,
        "person.search",
        None,
        organisations=policy.organisations(actor, "person.view_identity"),
        level=4,
        detail={"by": "name" if name else "phone"},
    )
    return qs.select_related("incident")
