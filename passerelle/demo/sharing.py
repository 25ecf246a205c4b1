"""The demo's information-sharing protocol between the Protection Cluster and MINUSMA, and
disclosures made under it (through the sharing services, so audit and consent are real).

PC-MINUSMA-2013-01 (in force): incident summaries at level 2 to the Human Rights Division for
verification and reporting; aggregates at level 1 to every party; case level (3) only between
GBV service providers, for response, with the survivor's consent. It covers Bamako and the
regions where field mechanisms exist (Mopti, Tombouctou, Gao).
PC-MINUSMA-2013-02 (draft): its extension to Kidal and Ménaka, awaiting approvals.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from passerelle.core.guard import unscoped
from passerelle.core.notify import mail_muted
from passerelle.geography.models import Area
from passerelle.incidents.models import Consent, Incident
from passerelle.policy.purposes import Purpose
from passerelle.sharing import services
from passerelle.sharing.models import PartyRole, Protocol

from . import clock

REFERENCE = "PC-MINUSMA-2013-01"
DRAFT_REFERENCE = "PC-MINUSMA-2013-02"
TITLES_EN = {
    REFERENCE: "Protection information-sharing protocol, Protection Cluster – MINUSMA",
    DRAFT_REFERENCE: "Extension of the protocol to the Kidal and Ménaka regions",
}
ALL = ("mrm", "crsv", "gbv", "hr", "pm")

PARTIES = [
    ("UNHCR", [PartyRole.CLUSTER_COORDINATION, PartyRole.CLUSTER_MEMBER], "unhcr.admin"),
    ("DRC", [PartyRole.CLUSTER_MEMBER, PartyRole.GBV_PROVIDER], "drc.admin"),
    ("UNICEF", [PartyRole.CLUSTER_MEMBER, PartyRole.CHILD_PROTECTION], "unicef.admin"),
    ("UNFPA", [PartyRole.CLUSTER_MEMBER, PartyRole.GBV_PROVIDER], "unfpa.admin"),
    ("ADDF", [PartyRole.CLUSTER_MEMBER, PartyRole.GBV_PROVIDER], "addf.admin"),
    ("MINUSMA-HRD", [PartyRole.MISSION_HUMAN_RIGHTS], "hrd.admin"),
]

DESCRIPTION = (
    "Le Cluster Protection et la MINUSMA partagent les tendances largement et les cas "
    "étroitement. Les résumés d'incidents dépersonnalisés (niveau 2) vont à la Division des "
    "droits de l'homme pour la vérification et les rapports ; les statistiques (niveau 1) à "
    "toutes les parties ; les détails de cas (niveau 3) seulement entre prestataires de "
    "services VBG, pour la prise en charge, avec le consentement de la survivante. Aucune "
    "information n'est partagée à des fins de renseignement ou de ciblage.\n\n"
    "The Protection Cluster and MINUSMA share trends broadly and cases narrowly. De-identified "
    "incident summaries (level 2) go to the Human Rights Division for verification and "
    "reporting; statistics (level 1) to every party; case details (level 3) only between GBV "
    "service providers, for response, with the survivor's consent. Nothing is shared for "
    "intelligence or targeting."
)


def _rules():
    aggregate = [Purpose.ANALYSIS, Purpose.COORDINATION, Purpose.ADVOCACY]
    rules = []
    for category in ALL:
        rules.append((PartyRole.CLUSTER_MEMBER, category, 1, aggregate))
        rules.append((PartyRole.CLUSTER_COORDINATION, category, 1, aggregate))
        rules.append(
            (PartyRole.MISSION_HUMAN_RIGHTS, category, 2, [Purpose.VERIFICATION, Purpose.ANALYSIS])
        )
    for category in ("gbv", "crsv"):
        rules.append((PartyRole.GBV_PROVIDER, category, 3, [Purpose.RESPONSE]))
    rules.append((PartyRole.CHILD_PROTECTION, "mrm", 2, [Purpose.VERIFICATION, Purpose.RESPONSE]))
    return [
        {"party_role": r, "data_category": c, "max_level": lvl, "purposes": p}
        for r, c, lvl, p in rules
    ]


def _save(users, orgs, reference, title, areas, valid_from, valid_until):
    return services.save_protocol(
        users["sysadmin"],
        None,
        fields={
            "reference": reference,
            "title": title,
            "title_en": TITLES_EN.get(reference, ""),
            "description": DESCRIPTION,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "retention_days": 365,
            "k_threshold": 5,
        },
        parties=[
            {"organisation": orgs[acronym], "role": role}
            for acronym, roles, _signer in PARTIES
            for role in roles
        ],
        rules=_rules(),
        areas=list(Area.objects.filter(pcode__in=areas)),
    )


def load_sharing(orgs, users) -> dict:
    """Create the demo protocols and disclosures once (idempotent); notifications are stored
    but not e-mailed."""
    if Protocol.objects.filter(reference=REFERENCE).exists():
        return {}
    with mail_muted():
        return _load(orgs, users)


def _load(orgs, users) -> dict:
    done = {"protocols": 0, "disclosures": 0, "refused": 0}
    with transaction.atomic():
        protocol = _save(
            users,
            orgs,
            REFERENCE,
            "Protocole d'échange d'informations de protection Cluster Protection – MINUSMA",
            ["ML09", "ML05", "ML06", "ML07"],
            clock.shift(dt.date(2013, 8, 1)),  # the story's August 2013, in the present
            timezone.localdate().replace(month=12, day=31) + dt.timedelta(days=366),
        )
        for acronym, _roles, signer in PARTIES:
            services.approve_protocol(users[signer], protocol, orgs[acronym])
        services.activate_protocol(users["sysadmin"], protocol)
        draft = _save(
            users,
            orgs,
            DRAFT_REFERENCE,
            "Extension du protocole aux régions de Kidal et Ménaka",
            ["ML08", "ML10"],
            clock.shift(dt.date(2014, 1, 1)),
            timezone.localdate().replace(month=12, day=31) + dt.timedelta(days=366),
        )
        services.approve_protocol(users["unhcr.admin"], draft, orgs["UNHCR"])
        done["protocols"] = 2
    done["disclosures"] = _share_summaries(protocol, orgs, users)
    done["disclosures"] += _share_gbv_cases(protocol, orgs, users)
    return done


def _in_scope(protocol):
    pcodes = [a.pcode for a in protocol.areas.all()]
    with unscoped():
        incidents = Incident.objects.select_related("area", "owner").order_by("occurred_on", "id")
        return [i for i in incidents if any(i.area.pcode.startswith(p) for p in pcodes)]


def _share_summaries(protocol, orgs, users) -> int:
    """About 60 protection-monitoring summaries from DRC and UNHCR to the HRD (level 2)."""
    sharers = {"DRC": users["drc.verifier"], "UNHCR": users["unhcr.verifier"]}
    shared = 0
    eligible = [
        i
        for i in _in_scope(protocol)
        if i.owner.acronym in sharers and i.classification == 2 and i.data_category in ("pm", "hr")
    ]
    # Every ninth by date, counted from the first: the same choice on every database (primary
    # keys are not, since PostgreSQL sequences survive rolled-back tests).
    for incident in eligible[::9]:
        services.share_incident(
            sharers[incident.owner.acronym],
            incident,
            protocol=protocol,
            recipient=orgs["MINUSMA-HRD"],
            purpose=Purpose.VERIFICATION,
            level=2,
        )
        shared += 1
        if shared >= 60:
            break
    return shared


def _share_gbv_cases(protocol, orgs, users) -> int:
    """GBV cases of DRC whose survivors consented to case-level sharing, to UNFPA (level 3)."""
    shared = 0
    sharer = users["drc.verifier"]
    for incident in _in_scope(protocol):
        if incident.owner.acronym != "DRC" or incident.data_category != "gbv":
            continue
        if incident.classification > 3:
            continue
        with unscoped():
            persons = list(incident.persons.prefetch_related("consents"))
        consented = persons and all(
            any(c.is_active and c.scope == Consent.Scope.CASE_SHARING for c in p.consents.all())
            for p in persons
        )
        if not consented:
            continue
        services.share_incident(
            sharer,
            incident,
            protocol=protocol,
            recipient=orgs["UNFPA"],
            purpose=Purpose.RESPONSE,
            level=3,
        )
        shared += 1
        if shared >= 12:
            break
    return shared
