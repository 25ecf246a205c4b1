"""Filing a request: routing to the addressee's focal point, and every refusal of the policy
(audited, nothing saved)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Notification
from passerelle.policy import inforequests as rules
from passerelle.policy.purposes import Purpose
from passerelle.sharing.models import PartyRole, Protocol
from passerelle.sharing.tests.factories import protocol_factory

from .. import services
from ..models import Request, RequestEvent

pytestmark = pytest.mark.django_db


def notified(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def codes_of(excinfo) -> list[str]:
    return excinfo.value.codes


def request_count() -> int:
    with unscoped():
        return Request.objects.count()


# --------------------------------------------------------------------------- routing


def test_a_request_goes_to_the_focal_point_covering_its_area(world, ask, make_fp, areas):
    country = make_fp(world["unhcr"], "durable_solutions", "Whole country", user=world["admin"])
    gao = make_fp(
        world["unhcr"], "durable_solutions", "Gao officer", areas=[areas["ML07"]], user=world["fp"]
    )
    request = ask(area=areas["ML0701"])
    assert request.focal_point == gao and request.assignee == world["fp"]
    assert notified(world["fp"], "request.received") == 1
    assert notified(world["admin"], "request.received") == 0
    assert list(request.events.values_list("kind", flat=True)) == ["created", "routed"]
    assert "Gao officer" in request.events.get(kind="routed").note
    # elsewhere in the country, the country-wide focal point
    elsewhere = ask(area=areas["ML06"])
    assert elsewhere.focal_point == country and elsewhere.assignee == world["admin"]


def test_without_a_focal_point_everyone_who_answers_is_told(world, ask):
    request = ask()
    assert request.focal_point is None and request.assignee is None
    assert notified(world["fp"], "request.received") == 1
    assert notified(world["admin"], "request.received") == 1
    assert notified(world["unhcr_viewer"], "request.received") == 0  # reads, does not answer
    routed = request.events.get(kind=RequestEvent.Kind.ROUTED)
    assert "No focal point" in routed.note_display()
    with translation.override("fr"):  # worded in the reader's language, not the writer's
        assert "Aucun point focal" in routed.note_display()


def test_a_focal_point_for_another_theme_is_not_routed_to(world, ask, make_fp):
    make_fp(world["unhcr"], "gbv", "GBV officer", user=world["fp"])
    assert ask().focal_point is None


def test_an_inactive_focal_point_account_falls_back_on_the_deputy(world, ask, make_fp):
    world["fp"].is_active = False
    world["fp"].save()
    make_fp(world["unhcr"], "durable_solutions", "Away", user=world["fp"], deputy=world["admin"])
    assert ask().assignee == world["admin"]


def test_filing_is_audited_with_references_in_sequence(world, ask):
    first, second = ask(), ask(subject="Retours à Gao")
    year = timezone.localdate().year
    assert first.reference == f"RQ-{year}-0001" and second.reference == f"RQ-{year}-0002"
    event = AuditEvent.objects.filter(action="request.filed").last()
    assert event.detail["reference"] == second.reference and event.detail["addressee"] == "UNHCR"


def test_the_due_date_defaults_by_kind(ask):
    today = timezone.localdate()
    assert ask(kind="information").due_on == today + dt.timedelta(days=10)
    assert ask(kind="action").due_on == today + dt.timedelta(days=7)
    assert ask(due_on=today + dt.timedelta(days=3)).due_on == today + dt.timedelta(days=3)


@pytest.mark.parametrize(
    "values, field",
    [
        ({"due_on": dt.date(2013, 1, 1)}, "due_on"),
        ({"period_start": dt.date(2013, 5, 1), "period_end": dt.date(2013, 4, 1)}, "period_end"),
        ({"subject": "   "}, "subject"),
    ],
)
def test_malformed_requests_are_refused_on_the_field(ask, values, field):
    with pytest.raises(DomainError) as excinfo:
        ask(**values)
    assert excinfo.value.field == field
    assert request_count() == 0


# --------------------------------------------------------------------------- refusals


def test_asking_for_an_organisation_one_does_not_belong_to_is_refused(world, ask):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(actor=world["sister"])  # CPS asking in HRD's name
    assert codes_of(excinfo) == ["not_permitted"]
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(actor=world["hrd_viewer"])  # HRD member who may read, not ask
    assert codes_of(excinfo) == ["not_permitted"]


def test_an_organisation_does_not_ask_itself(world, ask):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(addressee=world["hrd"])
    assert codes_of(excinfo) == ["same_organisation"]


@pytest.mark.parametrize("purpose", [Purpose.INTELLIGENCE, Purpose.TARGETING, Purpose.SCREENING])
def test_forbidden_purposes_are_refused_even_for_aggregates(ask, purpose):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(purpose=purpose, level=1)
    assert codes_of(excinfo) == ["forbidden_purpose"]
    assert "not intelligence gathering" in str(excinfo.value.reasons[0])


@pytest.mark.parametrize(
    "body",
    [
        "Merci de partager la position des groupes armés autour d'Ansongo.",
        "Nous cherchons les noms des informateurs du village.",
        "Collecte de renseignement sur les mouvements des groupes armés.",
        "Informations à des fins de renseignement militaire.",
        "Liste des caches d’armes signalées par les communautés.",  # curly apostrophe
        "Please share the names of informants in Ansongo.",
        "Intelligence-gathering near Gao, please.",
        "Locations of armed groups for military targeting.",
        "A list of combatants seen at the market.",
    ],
)
def test_wording_that_reads_as_intelligence_is_refused(ask, body):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(body=body)
    assert codes_of(excinfo) == ["reads_as_intelligence"]


@pytest.mark.parametrize(
    "body",
    [
        "Nombre d'attaques ciblant des civils dans le cercle d'Ansongo.",
        "Résultats du screening de la malnutrition des enfants déplacés.",
        "Any information on the whereabouts of missing children separated from their families.",
        "Mouvements de population et besoins des PDI.",
        "Renseignements sur les services de prise en charge disponibles.",
        "Incidents with explosive remnants of war near schools.",
    ],
)
def test_protection_wording_is_not_mistaken_for_intelligence(ask, body):
    assert ask(body=body).pk
    assert rules.intelligence_phrases(body) == []


def test_identities_are_never_asked_by_request(ask, protocol):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(level=4, data_category="hr")
    assert codes_of(excinfo) == ["identities"]


def test_incident_level_data_names_its_category(ask, protocol):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(level=2, data_category="")
    assert codes_of(excinfo) == ["no_category"]


@pytest.mark.parametrize("level", [2, 3])
def test_incident_level_data_without_a_protocol_is_refused(ask, level):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(level=level, data_category="hr")
    assert codes_of(excinfo) == ["no_protocol"]
    assert "Ask for aggregate figures" in str(excinfo.value.reasons[0])


@pytest.mark.parametrize("level", [2, 3])
def test_incident_level_data_under_a_protocol_in_force_is_filed(ask, protocol, level):
    request = ask(level=level, data_category="hr", area=protocol.areas.first())
    assert request.protocol == protocol
    assert AuditEvent.objects.get(action="request.filed").detail["protocol"] == protocol.reference


def test_aggregates_need_no_protocol(ask, protocol):
    assert ask(level=1, data_category="hr").protocol is None


@pytest.mark.parametrize(
    "values",
    [
        {"area": "ML06"},  # Tombouctou: outside the protocol's Gao region
        {"purpose": Purpose.ADVOCACY},  # not a purpose of the rule
        {"level": 3, "max_level": 2},  # above the rule's level
        {"status": Protocol.Status.SUSPENDED},  # not in force
    ],
)
def test_a_protocol_that_does_not_cover_the_request_is_not_enough(world, ask, areas, values):
    protocol_factory(
        {world["unhcr"]: PartyRole.CLUSTER_MEMBER, world["hrd"]: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "hr", values.get("max_level", 3), [Purpose.ANALYSIS])],
        areas=[areas["ML07"]],
        status=values.get("status", Protocol.Status.ACTIVE),
    )
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(
            level=values.get("level", 2),
            data_category="hr",
            area=areas[values.get("area", "ML0701")],
            purpose=values.get("purpose", Purpose.ANALYSIS),
        )
    assert codes_of(excinfo) == ["no_protocol"]


def test_a_narrower_rule_naming_the_purpose_is_enough(world, ask, areas):
    """HRD holds two roles: the more generous rule is for analysis, the narrower one (level 2)
    for verification; a level-2 request for verification relies on the narrower one."""
    protocol = protocol_factory(
        {
            world["unhcr"]: PartyRole.CLUSTER_MEMBER,
            world["hrd"]: [PartyRole.MISSION_HUMAN_RIGHTS, PartyRole.MISSION_COMPONENT],
        },
        [
            (PartyRole.MISSION_HUMAN_RIGHTS, "hr", 3, [Purpose.ANALYSIS]),
            (PartyRole.MISSION_COMPONENT, "hr", 2, [Purpose.VERIFICATION]),
        ],
    )
    assert ask(level=2, data_category="hr", purpose=Purpose.VERIFICATION).protocol == protocol


def test_every_reason_is_given_at_once_audited_and_nothing_saved(world, ask):
    with pytest.raises(services.RequestRefused) as excinfo:
        ask(
            addressee=world["hrd"],
            purpose=Purpose.TARGETING,
            body="Positions des groupes armés à Gao.",
            level=4,
        )
    assert codes_of(excinfo) == [
        "same_organisation",
        "forbidden_purpose",
        "reads_as_intelligence",
        "identities",
    ]
    assert len(excinfo.value.reasons) == 4
    assert request_count() == 0
    assert not RequestEvent.objects.exists()
    assert not Notification.objects.filter(kind="request.received").exists()
    event = AuditEvent.objects.get(action="request.refused")
    assert event.outcome == "refused" and event.actor == world["asker"]
    assert event.detail["reasons"] == codes_of(excinfo)
    assert event.organisation == world["hrd"]
