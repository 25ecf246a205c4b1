"""Audit context: every event goes into the log of the organisation whose data it concerns,
so that its administrators see it — and a recipient's export of shared records is also
written into each owner's log."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.models import AuditEvent
from passerelle.incidents import services as incident_services
from passerelle.policy.purposes import Purpose
from passerelle.sharing import services as sharing_services
from passerelle.sharing.models import PartyRole
from passerelle.sharing.tests.factories import protocol_factory

pytestmark = pytest.mark.django_db


def _log_of(client, **params) -> str:
    """The actions listed in the rows of the audit log page."""
    response = client.get(reverse("core:audit"), params)
    assert response.status_code == 200
    return " ".join(re.findall(r'data-action="([\w.]+)"', response.content.decode()))


# --------------------------------------------------------------------------- no event without one


def _calls_without_organisation() -> list[str]:
    """audit.record / audit.record_refusal calls of the application naming no organisation."""
    missing = []
    root = Path(settings.BASE_DIR) / "passerelle"
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "audit.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and node.func.attr in ("record", "record_refusal")
            ):
                continue
            names = {k.arg for k in node.keywords}
            if "organisation" not in names and None not in names:  # None: **kwargs passed on
                missing.append(f"{path.relative_to(root)}:{node.lineno}")
    return missing


def test_every_audit_record_call_names_the_organisation_concerned():
    """record_each(..., organisations=...) is the way to write into several logs."""
    assert _calls_without_organisation() == []


# --------------------------------------------------------------------------- identity search


def test_an_identity_search_is_in_the_organisation_administrators_log(
    monitor, person, org, client_as
):
    start = AuditEvent.objects.order_by("-seq").first().seq
    assert list(incident_services.find_persons(monitor, name="fatoumata MAIGA")) == [person]
    search = AuditEvent.objects.get(seq__gt=start, action="person.search")
    assert search.organisation == org and search.level == 4
    assert "Fatoumata" not in str(search.detail)
    admin = client_as("org_admin")
    assert "person.search" in _log_of(admin, action="person.search")
    # and not in another organisation's log
    outsider = client_as("org_admin", OrganisationFactory(acronym="OUT"))
    assert "person.search" not in _log_of(outsider, action="person.search")


# --------------------------------------------------------------------------- refused pages


def test_a_page_refused_for_a_role_is_in_the_users_organisation_log(org, client_as):
    """A viewer asking for a page their role does not give (the imports) is refused under their
    own organisation, so that its administrators see the attempt; the API's refusal alike."""
    viewer = client_as("viewer")
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    assert viewer.get(reverse("imports:list")).status_code == 403
    refused = AuditEvent.objects.get(seq__gt=start, action="access.refused")
    assert refused.organisation == org and refused.detail["action"] == "import.run"
    assert "access.refused" in _log_of(client_as("org_admin"), action="access.refused")
    outsider = client_as("org_admin", OrganisationFactory(acronym="OUT"))
    assert "access.refused" not in _log_of(outsider, action="access.refused")


# --------------------------------------------------------------------------- protocols


def test_a_protocol_event_goes_into_every_party_log(org, other_org, areas, client_as):
    today = timezone.localdate()
    protocol = protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, other_org: PartyRole.CLUSTER_MEMBER},
        [(PartyRole.CLUSTER_MEMBER, "*", 2, [Purpose.ANALYSIS])],
        valid_from=today - dt.timedelta(days=60),
        valid_until=today - dt.timedelta(days=1),
    )
    assert sharing_services.expire_protocols() == 1
    events = AuditEvent.objects.filter(action="protocol.expire", object_id=protocol.public_id)
    assert {e.organisation for e in events} == {org, other_org}
    for organisation in (org, other_org):
        assert "protocol.expire" in _log_of(client_as("org_admin", organisation))


# --------------------------------------------------------------------------- exports of shared data


@pytest.fixture
def hrd(db):
    return OrganisationFactory(acronym="HRD", name="MINUSMA Human Rights Division")


@pytest.fixture
def shared(org, hrd, monitor, person, areas, user_with_role):
    """The `incident` of DRC (made level 2) shared with HRD under a protocol."""
    incident = person.incident
    incident_services.update_incident(monitor, incident, classification=2)
    incident.refresh_from_db()
    protocol = protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 4, [Purpose.VERIFICATION])],
        areas=[areas["ML07"]],
    )
    sharer = user_with_role("verifier", username="drc.verifier")
    sharing_services.share_incident(
        sharer,
        incident,
        protocol=protocol,
        recipient=hrd,
        purpose=Purpose.VERIFICATION,
        level=2,
    )
    return incident


def test_a_recipients_export_of_shared_records_is_in_the_owners_log(shared, org, hrd, client_as):
    recipient = client_as("verifier", hrd)
    start = AuditEvent.objects.order_by("-seq").first().seq
    response = recipient.get(reverse("sharing:export"), {"which": "received"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert shared.reference in {row[0] for row in rows[2:]}
    # the recipient's own log, as before
    assert AuditEvent.objects.get(seq__gt=start, action="incident.export").organisation == hrd
    # and the owner's: which records left, to whom, under which protocol
    left = AuditEvent.objects.get(seq__gt=start, action="disclosure.export")
    assert left.organisation == org
    assert left.actor == recipient.user
    assert left.detail["incidents"] == [str(shared.public_id)]
    assert left.detail["recipients"] == ["HRD"] and left.detail["rows"] == 1
    assert "disclosure.export" in _log_of(client_as("org_admin"), action="disclosure.export")
    assert "disclosure.export" not in _log_of(client_as("org_admin", hrd))


def test_exporting_ones_own_records_writes_nothing_into_another_log(shared, org, client_as):
    start = AuditEvent.objects.order_by("-seq").first().seq
    response = client_as("verifier").get(reverse("sharing:export"), {"which": "own"})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(seq__gt=start, action="disclosure.export").exists()


def test_a_partners_statistics_export_is_in_the_owners_log(org, hrd, monitor, areas, client_as):
    from passerelle.incidents.tests.factories import incident_factory, term

    for day in (dt.date(2013, 2, 1), dt.date(2013, 5, 1)):
        incident_factory(
            monitor,
            area=areas["ML0701"],
            occurred_on=day,
            classification=2,
            victim_counts={("f", term("age_group", "18_59")): 12},
        )
    protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "pm", 1, [Purpose.ANALYSIS])],
        areas=[areas["ML07"]],
    )
    partner = client_as("viewer", hrd)
    params = {
        "purpose": Purpose.ANALYSIS,
        "rows": "area",
        "columns": "period",
        "area_level": 1,
        "period": "quarter",
        "format": "csv",
    }
    start = AuditEvent.objects.order_by("-seq").first().seq
    response = partner.get(reverse("sharing:aggregates"), params)
    assert response.status_code == 200
    exports = AuditEvent.objects.filter(seq__gt=start, action="aggregate.export")
    assert {e.organisation for e in exports} == {hrd, org}
    owners = exports.get(organisation=org)
    assert owners.actor == partner.user and owners.detail["for"] == ["HRD"]
    assert "aggregate.export" in _log_of(client_as("org_admin"), action="aggregate.export")
    # the owner counting its own records writes into its own log only
    start = AuditEvent.objects.order_by("-seq").first().seq
    client_as("im_officer").get(reverse("sharing:aggregates"), params)
    exports = AuditEvent.objects.filter(seq__gt=start, action="aggregate.export")
    assert [e.organisation for e in exports] == [org]
