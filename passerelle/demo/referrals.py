"""The demo's service mapping, referral pathways, survivors' needs and referrals (Mali, 2013–2014).

Everything goes through the referral and incident services, as the demo users who would do it:
the cluster's information-management officer maps the services and draws the pathways; each
organisation's monitor (DRC's case worker where she may) records needs and consent and refers;
the provider's case worker or administrator answers. Services are dense in Bamako, Mopti and
Ségou and thin in the north; no legal aid exists in most northern cercles (Kidal, Ménaka,
Bourem, Ansongo, Goundam…), so needs there end as "service unavailable" and the gap page shows
real gaps. Referrals to another organisation travel under the demo protocol PC-MINUSMA-2013-01,
which allows purpose "response" only for GBV/CRSV cases to GBV providers and MRM cases to the
child-protection actor; other needs are met in-house or stay pending.

After the services have run, the referrals' dates are moved back to the story's 2013–2014,
told in the present (clock.py: the story ends a few days ago), on the saved rows; the audit log
keeps the real time of each write. Open referrals keep the follow-up date the services gave
them, except a few left overdue; no step is dated after now.

Loading twice changes nothing: services are matched by code, pathways by area and situation,
and needs and referrals are only generated when no demo incident has any need yet. Service
names, contacts and phone numbers are fictional; organisations' role addresses use the demo's
.invalid domain.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import zlib

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone

from passerelle import policy
from passerelle.accounts.models import Organisation
from passerelle.core import sequences
from passerelle.core.guard import unscoped
from passerelle.core.models import Notification
from passerelle.core.notify import mail_muted
from passerelle.geography.models import Area
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent, Person
from passerelle.policy.purposes import Purpose
from passerelle.referrals import services
from passerelle.referrals.models import (
    ESSENTIAL_SERVICES,
    Need,
    Pathway,
    Referral,
    ReferralEvent,
    Service,
)
from passerelle.sharing.models import Protocol

from . import clock
from .referral_data import (  # noqa: F401 (re-exported for the tests)
    CATALOGUE,
    CLOSE_NOTES,
    DECLINES,
    DEFAULT_HOURS,
    EVERYONE,
    FRAMEWORK_WEIGHT,
    GROUPS,
    HOURS,
    HR,
    KINDS,
    LIMITS,
    MRM,
    MRM_EXTRA,
    NEEDS_BY_CATEGORY,
    NO_LEGAL_AID,
    ORGANISATIONS,
    OVERDUE_SHARE,
    PATHWAY_NOTES,
    PATHWAYS,
    PREFERRED,
    PROTOCOL_REGIONS,
    PROTOCOL_START,
    PROVIDED_NOTES,
    PROVIDERS,
    RECEIVERS,
    REGION_WEIGHT,
    REGIONS,
    RESPONDERS,
    SEXUAL,
    STATUS_WEIGHTS,
    STEP_GAP,
    STEP_SUSPENDED,
    SUMMARIES,
    SUSPENDED,
    URGENCY,
    WITHDRAWALS,
    B,
    G,
    K,
    M,
    S,
    W,
    catalogue,
)

SEED = 2013 + 4
EMAIL_DOMAIN = "demo.passerelle.invalid"
MAP_MANAGER = "unhcr.im_officer"  # the cluster's IM officer maintains the service map
PERSONS = 250  # persons of the demo incidents whose needs are assessed
FIRST_DAY = clock.shift(dt.date(2013, 1, 1))  # the story's 2013–2014, in the present
LAST_DAY = clock.shift(dt.date(2014, 12, 31))


AREAS = Area.objects.only("id", "pcode", "level")  # areas served, without their geometry


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --------------------------------------------------------------------------- services


def ensure_organisations(orgs: dict) -> tuple[dict, int]:
    """The demo organisations plus the government providers this module adds (idempotent)."""
    orgs = dict(orgs)
    created = 0
    for acronym, name, name_en, kind in ORGANISATIONS:
        org, made = Organisation.objects.get_or_create(
            acronym=acronym,
            defaults={"name": name, "name_en": name_en, "type": kind, "active": True},
        )
        orgs[acronym] = org
        created += made
    return orgs, created


def _phone(code: str, region: str) -> str:
    """A fictional office number on the region's exchange, stable for the service's code."""
    digits = zlib.crc32(code.encode()) % 10000
    return f"+223 {REGIONS[region][1]} {digits // 100:02d} {digits % 100:02d}"


def service_values(row: dict, orgs, areas, users) -> dict:
    """The fields of one catalogue row, as save_service takes them."""
    code, acronym, kind, name = row["code"], row["provider"], row["kind"], row["name"]
    service_type, capacity, role, contact = KINDS[kind]
    targets, min_age, max_age = LIMITS.get(kind, (EVERYONE, None, None))
    status = Service.Status.ACTIVE
    for option in row["options"]:
        if option in GROUPS:
            targets = GROUPS[option]
        elif option == "suspendu":
            status = Service.Status.SUSPENDED
        else:
            key, value = option.split("=")
            value = int(value)
            min_age = value if key == "min" else min_age
            max_age = value if key == "max" else max_age
            capacity = value if key == "cap" else capacity
    region = row["areas"][0][:4]
    description = f"{name}. Orientation avec le consentement éclairé de la personne."
    if status == Service.Status.SUSPENDED:
        description = f"{description} {SUSPENDED}"
    return {
        "code": code,
        "areas": [areas[p] for p in row["areas"]],
        "name": name,
        "name_en": row.get("name_en", ""),
        "provider": orgs[acronym],
        "service_type": service_type,
        "description": description,
        "target_groups": [str(t) for t in targets],
        "min_age": min_age,
        "max_age": max_age,
        "languages": REGIONS[region][0],
        "hours": HOURS.get(kind, DEFAULT_HOURS),
        "location": name.rsplit(" – ", 1)[-1],
        "contact_name": contact,
        "contact_phone": _phone(code, region),
        "contact_email": f"{role}.{code.split('-')[1].lower()}@{acronym.lower()}.{EMAIL_DOMAIN}",
        "capacity": capacity,
        "status": status,
        "receiver": users.get(RECEIVERS.get(acronym, "")),
    }


def _differs(service: Service, values: dict) -> bool:
    for name, value in values.items():
        if name == "code":
            continue
        if name == "areas":
            if {a.pk for a in service.areas.all()} != {a.pk for a in value}:
                return True
        elif name in ("provider", "receiver"):
            if getattr(service, f"{name}_id") != (value.pk if value else None):
                return True
        elif getattr(service, name) != value:
            return True
    return False


def load_services(orgs, users, areas) -> tuple[int, int]:
    """Create the missing catalogue services and correct changed ones; (created, updated)."""
    actor = users[MAP_MANAGER]
    existing = {s.code: s for s in Service.objects.prefetch_related(Prefetch("areas", AREAS))}
    created = updated = 0
    for row in catalogue():
        values = service_values(row, orgs, areas, users)
        service = existing.get(row["code"])
        if service is not None and not _differs(service, values):
            continue
        services.save_service(actor, service, **values)
        created += service is None
        updated += service is not None
    return created, updated


def _step_options(kind, area, catalogue) -> list[Service]:
    found = [s for s in catalogue if s.service_type == kind and s.serves(area)]

    def rank(s):
        order = PREFERRED.index(s.provider.acronym) if s.provider.acronym in PREFERRED else 99
        return (not s.is_active, order, s.code)

    return sorted(found, key=rank)[:3]


def load_pathways(users, areas) -> int:
    """The demo pathways not drawn yet (existing ones are left as their editors made them)."""
    actor = users[MAP_MANAGER]
    drawn = set(Pathway.objects.values_list("area__pcode", "need"))
    catalogue = list(
        Service.objects.select_related("provider").prefetch_related(Prefetch("areas", AREAS))
    )
    created = 0
    for pcode, need in PATHWAYS:
        if (pcode, str(need)) in drawn:
            continue
        area = areas[pcode]
        steps = []
        for kind in ESSENTIAL_SERVICES[need]:
            options = _step_options(kind, area, catalogue)
            note = ""
            if not options:
                note = STEP_GAP
            elif not any(s.is_active for s in options):
                note = STEP_SUSPENDED
            steps.append({"service_type": kind, "services": options, "note": note})
        services.save_pathway(actor, area=area, need=need, steps=steps, notes=PATHWAY_NOTES[need])
        created += 1
    return created


# --------------------------------------------------------------------------- needs and referrals


def _age(person) -> int:
    """The person's age, or a plausible one when unknown (children in MRM cases)."""
    if person.age is not None:
        return person.age
    return 14 if person.incident.data_category == "mrm" else 30


def _who(person) -> str:
    age = _age(person)
    if person.sex == "f":
        return "Fille" if age < 12 else "Adolescente" if age < 18 else "Femme adulte"
    if person.sex == "m":
        return "Garçon" if age < 12 else "Adolescent" if age < 18 else "Homme adulte"
    return "Enfant" if age < 18 else "Personne adulte"


def takes(service, person) -> bool:
    """Does the service take people of this sex and age?"""
    age = _age(person)
    if person.sex == "m":
        group = B if age < 18 else M
    else:
        group = G if age < 18 else W
    if group not in service.target_groups:
        return False
    if service.min_age is not None and age < service.min_age:
        return False
    return service.max_age is None or age <= service.max_age


def _need_types(rng, person) -> list[str]:
    incident = person.incident
    code = incident.category.code
    if incident.data_category == "mrm":
        table = MRM + MRM_EXTRA.get(code, [])
    elif incident.data_category == "hr":
        table = HR
    else:
        table = NEEDS_BY_CATEGORY.get(code, [])
    kinds = [kind for kind, chance in table if rng.random() < chance]
    if (
        _age(person) < 18
        and incident.data_category in ("gbv", "crsv")
        and S.CHILD_PROTECTION not in kinds
    ):
        kinds.append(S.CHILD_PROTECTION)
    return list(dict.fromkeys(kinds))


class _Cases:
    """Needs, consents and referrals for a sample of the demo's victims."""

    def __init__(self, orgs, users, rng, result):
        self.orgs = orgs
        self.users = users
        self.by_pk = {u.pk: u for u in users.values()}
        self.rng = rng
        self.result = result
        self.catalogue = list(
            Service.objects.filter(status=Service.Status.ACTIVE)
            .select_related("provider")
            .prefetch_related(Prefetch("areas", AREAS))
        )
        self.protocols = list(
            Protocol.objects.in_force().prefetch_related(
                "parties", "rules", Prefetch("areas", AREAS)
            )
        )
        self.plans = []  # referrals to make: dicts
        self.new_consents = {}  # consent pk -> date identified

    # -- who acts

    def sender_actor(self, person):
        """DRC's case worker on the cases she is named on; otherwise whoever recorded them."""
        incident = person.incident
        worker = self.users.get("drc.case_worker")
        if (
            incident.owner.acronym == "DRC"
            and worker is not None
            and policy.can(worker, "person.view_identity", person)
        ):
            return worker
        return self.by_pk.get(incident.recorded_by_id) or incident.recorded_by

    def reachable(self, service, person, when: dt.date) -> int:
        """The level a referral of the person to the service may travel at (-1: none): the rule
        `services.referral_protocol` applies, on protocols read once (create_referral checks
        again)."""
        incident = person.incident
        if service.provider_id == incident.owner_id:
            return 4 if service.provider.acronym in RESPONDERS else -1
        if service.provider.acronym not in RESPONDERS:
            return -1
        best = -1
        for protocol in self.protocols:
            parties = {p.organisation_id for p in protocol.parties.all()}
            if not {incident.owner_id, service.provider_id} <= parties:
                continue
            if when < protocol.valid_from or not protocol.covers(incident.area):
                continue
            roles = protocol.party_roles(service.provider)
            for rule in protocol.rules.all():
                if (
                    rule.party_role in roles
                    and rule.data_category == incident.data_category
                    and Purpose.RESPONSE in rule.purposes
                ):
                    best = max(best, min(rule.max_level, 3))
        return best

    # -- one person

    def assess(self, person) -> None:
        """Record the person's needs and what was decided for each; plan the referrals."""
        rng = self.rng
        incident = person.incident
        kinds = _need_types(rng, person)
        if not kinds:
            return
        actor = self.sender_actor(person)
        identified = min(incident.reported_on + dt.timedelta(days=rng.randint(0, 6)), LAST_DAY)
        decided = []  # (kind, outcome, [(service to refer to, level), fallbacks…])
        for kind in kinds:
            serving = [
                s
                for s in self.catalogue
                if s.service_type == kind and s.serves(incident.area) and takes(s, person)
            ]
            if not serving:
                decided.append((kind, Need.Outcome.UNAVAILABLE, []))
                continue
            own = [s for s in serving if s.provider_id == incident.owner_id]
            if own and (own[0].provider.acronym not in RESPONDERS or rng.random() < 0.35):
                decided.append((kind, Need.Outcome.IN_HOUSE, []))
                continue
            options = [(s, self.reachable(s, person, identified)) for s in serving]
            options = [(s, lvl) for s, lvl in options if lvl >= 2]
            if not options:
                outcome = Need.Outcome.PENDING
                if incident.data_category != "hr" and rng.random() < 0.65:
                    outcome = Need.Outcome.ALREADY_RECEIVED
                decided.append((kind, outcome, []))
                continue
            options.sort(key=lambda o: (o[0].provider_id != incident.owner_id, o[0].code))
            if rng.random() >= 0.8:  # not always the first choice of the pathway
                options.insert(0, options.pop(rng.randrange(len(options))))
            if rng.random() < 0.04:
                decided.append((kind, Need.Outcome.DECLINED, []))
            else:
                decided.append((kind, None, options))

        consent = None
        if any(options for _kind, _outcome, options in decided):
            consent = self.referral_consent(actor, person, identified)
        for kind, outcome, options in decided:
            if options and not consent.given:
                outcome, options = Need.Outcome.DECLINED, []
            need = services.record_need(
                actor, person, service_type=kind, identified_on=identified, outcome=outcome
            )
            if options:
                self.plans.append(
                    {
                        "actor": actor,
                        "person": person,
                        "need": need,
                        "day": identified,
                        "options": options,
                    }
                )

    def referral_consent(self, actor, person, identified):
        """The person's answer on referral: the one on record, or asked now (mostly yes)."""
        existing = (
            Consent.objects.filter(
                person=person, scope=Consent.Scope.REFERRAL, withdrawn_at__isnull=True
            )
            .order_by("-given_at")
            .first()
        )
        if existing is not None:
            return existing
        given = self.rng.random() < 0.9
        consent = incident_services.record_consent(
            actor, person, scope=Consent.Scope.REFERRAL, given=given
        )
        self.new_consents[consent.pk] = identified
        self.result["consents"] += 1
        self.result["consents_refused"] += not given
        return consent

    # -- referrals

    def assign_statuses(self) -> None:
        """Draw where each referral ends (older ones mostly closed) and which are late."""
        rng = self.rng
        for plan in self.plans:
            age = "recent" if plan["day"] >= clock.shift(dt.date(2014, 9, 1)) else "older"
            plan["status"] = _weighted(rng, STATUS_WEIGHTS[age])
        # every status at least once, when there are enough referrals
        statuses = list(STATUS_WEIGHTS["older"])
        for status in statuses:
            if any(p["status"] == status for p in self.plans):
                continue
            counts = {s: sum(p["status"] == s for p in self.plans) for s in statuses}
            spare = [p for p in self.plans if counts[p["status"]] > 1]
            if spare:
                rng.choice(spare)["status"] = status
        for plan in self.plans:
            share = OVERDUE_SHARE.get(plan["status"], 0)
            plan["overdue"] = rng.random() < share
        # several late, and at least one on time
        open_plans = [p for p in self.plans if p["status"] in OVERDUE_SHARE]
        if open_plans and sum(p["overdue"] for p in open_plans) < 3:
            for plan in rng.sample(open_plans, min(3, len(open_plans))):
                plan["overdue"] = True
        waiting = [p for p in open_plans if p["status"] in Referral.OPEN]
        if len(waiting) > 1 and all(p["overdue"] for p in waiting):
            rng.choice(waiting)["overdue"] = False

    def refer(self, plan) -> None:
        """Make one planned referral and move it, as sender and provider, to its status."""
        rng = self.rng
        person, status = plan["person"], plan["status"]
        (service, level), *fallbacks = plan["options"]
        sender = plan["actor"]
        responder = self.users[RESPONDERS[service.provider.acronym]]
        receiver = None
        if level == 4:
            receiver = service.receiver
            if (
                receiver is None
                or rng.random() < 0.6
                or not policy.can(sender, "person.view_identity", person)
            ):
                level = 3
        summary = SUMMARIES.get(service.service_type, "{who}.").format(who=_who(person))
        try:
            referral = services.create_referral(
                sender,
                person,
                service,
                level=level,
                urgency=URGENCY.get(service.service_type, "routine"),
                summary=summary,
                receiver=receiver,
                need=plan["need"],
                send=status != "draft",
            )
        except services.ReferralRefused as exc:
            self.result["refused"].append([service.code, *exc.codes])
            return
        steps = []
        acknowledge = rng.random() < 0.6

        def move(actor, to_status, **kwargs):
            services.move_referral(actor, referral, to_status, **kwargs)
            steps.append(to_status)

        declined_first = status == "declined" or (status == "closed" and rng.random() < 0.2)
        if status in ("acknowledged",) or (
            acknowledge and status in ("accepted", "declined", "provided", "closed")
        ):
            move(responder, "acknowledged")
        if declined_first:
            reason, note = rng.choice(DECLINES)
            move(responder, "declined", decline_reason=reason, note=note)
            if status == "closed":
                move(sender, "closed", note=rng.choice(CLOSE_NOTES))
        elif status in ("accepted", "provided", "closed"):
            move(responder, "accepted")
            if status in ("provided", "closed"):
                move(responder, "provided", note=rng.choice(PROVIDED_NOTES))
            if status == "closed":
                move(sender, "closed", note=rng.choice(CLOSE_NOTES))
        elif status == "withdrawn":
            if rng.random() < 0.4:
                move(responder, "acknowledged")
            move(sender, "withdrawn", note=rng.choice(WITHDRAWALS))
        plan["referral"] = referral
        plan["steps"] = steps
        if declined_first and fallbacks:  # the next service of the pathway, a week later
            later = plan["day"] + dt.timedelta(days=rng.randint(7, 12))
            weights = {k: v for k, v in STATUS_WEIGHTS["older"].items() if k != "draft"}
            status = _weighted(rng, weights)
            self.plans.append(
                {
                    "actor": sender,
                    "person": person,
                    "need": plan["need"],
                    "day": later,
                    "options": fallbacks,
                    "status": status,
                    "overdue": rng.random() < OVERDUE_SHARE.get(status, 0),
                }
            )


# --------------------------------------------------------------------------- dates


def _at(day: dt.date, rng, start=8, end=17) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(start, end - 1), rng.randint(0, 59)))
    return timezone.make_aware(moment, dt.UTC)


def _timeline(plan, rng) -> dict:
    """The dates of a referral's steps, in the order the services made them; a timeline that
    would end after now is moved back as a whole (its intervals kept)."""
    created = _at(plan["day"], rng)
    times = [created]  # the draft
    fields = {"created_at": created}
    now = created
    if plan["status"] != "draft":
        now = created + dt.timedelta(minutes=rng.randint(5, 90))
        times.append(now)
        fields["sent_at"] = now
        fields["follow_up_due"] = now.date() + dt.timedelta(
            days=services.ANSWER_DAYS[plan["referral"].urgency]
        )
    for step in plan["steps"]:
        if step == "acknowledged":
            now += dt.timedelta(hours=rng.randint(2, 40))
            fields["acknowledged_at"] = now
        elif step in ("accepted", "declined"):
            now += dt.timedelta(hours=rng.randint(1, 72))
            fields.setdefault("acknowledged_at", now)
            fields["responded_at"] = now
            days = services.PROVISION_DAYS[plan["referral"].urgency]
            if step == "declined":
                days = services.CLOSE_DAYS
            fields["follow_up_due"] = now.date() + dt.timedelta(days=days)
        elif step == "provided":
            day = now.date() + dt.timedelta(days=rng.randint(1, 21))
            now = _at(day, rng, 9, 18)
            fields["provided_on"] = day
            fields["follow_up_due"] = day + dt.timedelta(days=services.CLOSE_DAYS)
        elif step in ("closed", "withdrawn"):
            now += dt.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 6))
            fields["closed_at"] = now
            fields["follow_up_due"] = None
        times.append(now)
    fields["updated_at"] = now
    if plan["status"] in OVERDUE_SHARE and not plan["overdue"]:
        fields.pop("follow_up_due", None)  # keep the due date the services set (not late yet)
    late = now - (timezone.now() - dt.timedelta(hours=1))
    if late > dt.timedelta(0):
        back = dt.timedelta(days=late.days + 1)
        times = [t - back for t in times]
        fields = {k: v - back if isinstance(v, dt.date) else v for k, v in fields.items()}
    return {"fields": fields, "times": times}


def backdate(plans, new_consents, rng) -> None:
    """Move the saved referrals, their history and the consents they rely on to the story's
    dates (clock.py), and give each referral a reference of the year it was sent."""
    consent_days = dict(new_consents)
    with unscoped():
        for plan in plans:
            referral = plan.get("referral")
            if referral is None:
                continue
            timeline = _timeline(plan, rng)
            Referral.objects.filter(pk=referral.pk).update(**timeline["fields"])
            events = ReferralEvent.objects.filter(referral=referral).order_by("id")
            for event_id, at in zip(
                events.values_list("id", flat=True), timeline["times"], strict=True
            ):
                ReferralEvent.objects.filter(pk=event_id).update(at=at)
            plan["created_at"] = timeline["fields"]["created_at"]
            day = consent_days.get(referral.consent_id, plan["day"])
            consent_days[referral.consent_id] = min(day, plan["day"])
        for pk, day in consent_days.items():  # consent recorded the morning the need was seen
            moment = _at(day, rng, 7, 8)
            Consent.objects.filter(pk=pk).update(given_at=moment, created_at=moment)
        _renumber([p for p in plans if p.get("referral") is not None])


def _renumber(plans) -> None:
    """REF-<sender>-<year>-<n>, numbered in order of creation within each sender and year."""
    plans = sorted(plans, key=lambda p: (p["created_at"], p["referral"].pk))
    # The story's years are this year and the last ones, like the references the services gave:
    # clear them first so that a new reference never meets an old one still in place.
    for plan in plans:
        Referral.objects.filter(pk=plan["referral"].pk).update(
            reference=f"TMP-{plan['referral'].pk}"
        )
    counters: dict[tuple, int] = {}
    for plan in plans:
        referral = plan["referral"]
        key = (referral.sender.acronym, plan["created_at"].year)
        counters[key] = counters.get(key, 0) + 1
        reference = f"REF-{key[0]}-{key[1]}-{counters[key]:04d}"
        Referral.objects.filter(pk=referral.pk).update(reference=reference)
        url = f"/referrals/{referral.public_id}/"
        for notification in Notification.objects.filter(url=url):
            notification.params = {**notification.params, "reference": reference}
            notification.save(update_fields=["params"])
    sequences.restart(Referral)  # the next referral sent follows the renumbered ones


# --------------------------------------------------------------------------- entry point


def demo_needs_exist(orgs) -> bool:
    with unscoped():
        return Need.objects.filter(incident__owner__in=list(orgs.values())).exists()


def _sample(rng, orgs, count: int) -> list[Person]:
    with unscoped():
        victims = list(
            Person.objects.filter(
                role="victim",
                incident__owner__in=list(orgs.values()),
                incident__reported_on__gte=FIRST_DAY,
                incident__reported_on__lte=LAST_DAY,
            )
            .select_related("incident__area", "incident__category", "incident__owner")
            .defer("incident__area__geometry")
            .order_by("id")
        )
    keyed = []
    for person in victims:
        incident = person.incident
        weight = FRAMEWORK_WEIGHT.get(incident.data_category, 1)
        weight *= REGION_WEIGHT.get(incident.area.pcode[:4], 1)
        weight *= 2.5 if incident.owner.acronym in RESPONDERS else 1
        if (
            incident.reported_on >= clock.shift(PROTOCOL_START)
            and incident.area.pcode[:4] in PROTOCOL_REGIONS
        ):
            weight *= 6  # cases followed up since the protocol allows referrals between partners
        keyed.append((rng.random() ** (1 / weight), person))  # weighted sampling, no repeats
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    chosen = [person for _key, person in keyed[:count]]
    return sorted(chosen, key=lambda p: (p.incident.reported_on, p.pk))


def counts(orgs) -> dict:
    """Needs by outcome, referrals by status and overdue referrals of the demo organisations."""
    owners = list(orgs.values())
    with unscoped():
        needs = Need.objects.filter(incident__owner__in=owners)
        referrals = Referral.objects.filter(sender__in=owners)
        return {
            "needs": dict(needs.values_list("outcome").annotate(n=Count("id"))),
            "referrals": dict(referrals.values_list("status").annotate(n=Count("id"))),
            "overdue": services.overdue(referrals).count(),
        }


def load_referrals(orgs, users, persons: int = PERSONS, seed: int = SEED) -> dict:
    """Services, pathways, needs, consents and referrals of the demo (idempotent); returns the
    counts of what was created. Notifications are stored but not e-mailed."""
    start = time.perf_counter()
    result = {
        "organisations": 0,
        "services": 0,
        "services_updated": 0,
        "pathways": 0,
        "needs": {},
        "consents": 0,
        "consents_refused": 0,
        "referrals": {},
        "overdue": 0,
        "refused": [],
    }
    timings = {}
    mark = time.perf_counter()

    def lap(stage):
        nonlocal mark
        timings[stage] = round(time.perf_counter() - mark, 2)
        mark = time.perf_counter()

    areas = {a.pcode: a for a in Area.objects.filter(pcode__startswith="ML").defer("geometry")}
    with mail_muted(), transaction.atomic():
        orgs, result["organisations"] = ensure_organisations(orgs)
        result["services"], result["services_updated"] = load_services(orgs, users, areas)
        result["pathways"] = load_pathways(users, areas)
        lap("services_pathways")
        if not demo_needs_exist(orgs):
            rng = random.Random(seed)
            cases = _Cases(orgs, users, rng, result)
            with unscoped():
                for person in _sample(rng, orgs, persons):
                    cases.assess(person)
            lap("needs_consents")
            cases.assign_statuses()
            for plan in cases.plans:
                cases.refer(plan)
            lap("referrals")
            backdate(cases.plans, cases.new_consents, rng)
            lap("dates")
    result["timings"] = timings
    result.update(counts(orgs))
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result
