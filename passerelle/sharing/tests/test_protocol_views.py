"""The protocol pages: drafting through the form, the document (page, print, PDF), and the
approve / activate / suspend steps, each going through the services."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.models import AuditEvent
from passerelle.core.pdf import _local_only
from passerelle.policy.purposes import Purpose
from passerelle.sharing import services
from passerelle.sharing.models import PartyRole, Protocol

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def hrd(db):
    return OrganisationFactory(acronym="HRD", name="MINUSMA Human Rights Division")


@pytest.fixture
def manager(client_as):
    """A client for an administrator of DRC (the `org` fixture): drafts and signs for DRC."""
    return client_as("org_admin")


def url(name, protocol=None):
    if protocol is None:
        return reverse(f"sharing:{name}")
    return reverse(f"sharing:{name}", kwargs={"public_id": protocol.public_id})


def build_protocol(
    manager_user, parties, *, areas, signatories=(), activate=False, reference="PSEA-2025-01"
):
    """A protocol built through the services: `parties` {organisation: role}, rules for the
    mission human-rights role; approved by `signatories` [(user, organisation)], activated
    by `manager_user` when asked (every piece is present, so it may be)."""
    protocol = services.save_protocol(
        manager_user,
        None,
        fields={
            "reference": reference,
            "title": "Protocole DRC – MINUSMA",
            "description": "Vérification des violations des droits humains à Gao.",
            "valid_from": TODAY - dt.timedelta(days=1),
            "valid_until": TODAY + dt.timedelta(days=365),
            "retention_days": 90,
            "k_threshold": 5,
        },
        parties=[{"organisation": o, "role": r} for o, r in parties.items()],
        rules=[
            {
                "party_role": PartyRole.MISSION_HUMAN_RIGHTS,
                "data_category": "hr",
                "max_level": 3,
                "purposes": [Purpose.VERIFICATION, Purpose.ANALYSIS],
            }
        ],
        areas=areas,
    )
    for user, organisation in signatories:
        services.approve_protocol(user, protocol, organisation)
    if activate:
        services.activate_protocol(manager_user, protocol)
    protocol.refresh_from_db()
    return protocol


@pytest.fixture
def draft(manager, org, hrd, areas):
    return build_protocol(
        manager.user,
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        areas=[areas["ML07"]],
    )


@pytest.fixture
def active(manager, org, hrd, areas, user_with_role):
    hrd_admin = user_with_role("org_admin", hrd)
    return build_protocol(
        manager.user,
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        areas=[areas["ML07"]],
        signatories=[(manager.user, org), (hrd_admin, hrd)],
        activate=True,
        reference="PSEA-2025-09",
    )


def form_data(parties=(), rules=(), extra_rows=1, **fields):
    """POST data for the protocol form: the fields, then the party and rule rows (plus
    `extra_rows` blank rows in each formset, which must be ignored)."""
    data = {
        "reference": "PSEA-2025-02",
        "title": "Protocole AMSS – MINUSMA",
        "description": "",
        "valid_from": (TODAY - dt.timedelta(days=1)).isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=180)).isoformat(),
        "retention_days": "60",
        "k_threshold": "5",
        "areas": [],
    }
    data.update(fields)
    for prefix, rows, keys in (
        ("parties", parties, ("organisation", "role")),
        ("rules", rules, ("party_role", "data_category", "max_level", "purposes")),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows) + extra_rows)
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for i, row in enumerate(rows):
            for key, value in zip(keys, row, strict=True):
                data[f"{prefix}-{i}-{key}"] = value
        for i in range(len(rows), len(rows) + extra_rows):
            for key in keys:
                data[f"{prefix}-{i}-{key}"] = [] if key == "purposes" else ""
    return data


def complete_form(org, hrd, areas, **overrides):
    return form_data(
        parties=[
            (org.pk, PartyRole.CLUSTER_MEMBER),
            (hrd.pk, PartyRole.MISSION_HUMAN_RIGHTS),
        ],
        rules=[(PartyRole.MISSION_HUMAN_RIGHTS, "hr", "3", ["verification", "analysis"])],
        areas=[areas["ML07"].pk, areas["ML0701"].pk],
        extra_rows=2,
        **overrides,
    )


# --------------------------------------------------------------------------- drafting


def test_a_draft_is_created_through_the_form_blank_rows_ignored(manager, org, hrd, areas):
    page = manager.get(url("protocol_create"))
    assert page.status_code == 200
    assert 'value="intelligence"' not in page.content.decode()  # only allowed purposes
    assert 'value="verification"' in page.content.decode()

    response = manager.post(url("protocol_create"), complete_form(org, hrd, areas))

    protocol = Protocol.objects.get(reference="PSEA-2025-02")
    assert response.status_code == 302
    assert response["Location"] == url("protocol_detail", protocol)
    assert protocol.status == Protocol.Status.DRAFT
    assert protocol.created_by == manager.user
    assert {(p.organisation, p.role) for p in protocol.parties.all()} == {
        (org, PartyRole.CLUSTER_MEMBER),
        (hrd, PartyRole.MISSION_HUMAN_RIGHTS),
    }
    (rule,) = protocol.rules.all()
    assert (rule.party_role, rule.data_category, rule.max_level) == (
        "mission_human_rights",
        "hr",
        3,
    )
    assert rule.purposes == ["analysis", "verification"]
    assert {a.pcode for a in protocol.areas.all()} == {"ML07", "ML0701"}
    assert AuditEvent.objects.filter(action="protocol.create").exists()


def test_a_forbidden_purpose_cannot_even_be_posted(manager, org, hrd, areas):
    data = complete_form(org, hrd, areas)
    data["rules-0-purposes"] = ["verification", "intelligence"]
    response = manager.post(url("protocol_create"), data)
    assert response.status_code == 200
    assert "intelligence is not one of the available choices" in response.content.decode()
    assert not Protocol.objects.exists()


def test_reversed_dates_are_explained_and_nothing_typed_is_lost(manager, org, hrd, areas):
    data = complete_form(
        org,
        hrd,
        areas,
        title="Protocole à corriger",
        valid_from=(TODAY + dt.timedelta(days=30)).isoformat(),
        valid_until=TODAY.isoformat(),
    )
    response = manager.post(url("protocol_create"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "The protocol would end before it starts" in content
    assert 'value="Protocole à corriger"' in content
    assert f'<option value="{hrd.pk}" selected>' in content
    assert re.search(r'name="rules-0-purposes" value="verification"[^>]*checked', content)
    assert not Protocol.objects.exists()


def test_duplicate_rules_are_explained_and_nothing_is_saved(manager, org, hrd, areas):
    rule = (PartyRole.MISSION_HUMAN_RIGHTS, "hr", "3", ["verification"])
    data = form_data(
        parties=[(org.pk, PartyRole.CLUSTER_MEMBER), (hrd.pk, PartyRole.MISSION_HUMAN_RIGHTS)],
        rules=[rule, rule],
        areas=[areas["ML07"].pk],
    )
    response = manager.post(url("protocol_create"), data)
    assert response.status_code == 200
    assert "Two rules for the same party role and data category." in response.content.decode()
    assert not Protocol.objects.exists()


def test_a_reference_already_used_is_explained_at_the_field(manager, draft, org, hrd, areas):
    response = manager.post(
        url("protocol_create"), complete_form(org, hrd, areas, reference=draft.reference)
    )
    assert response.status_code == 200
    assert "Another protocol has this reference." in response.content.decode()
    assert Protocol.objects.count() == 1


def test_a_partly_filled_row_is_explained(manager, org, hrd, areas):
    data = complete_form(org, hrd, areas)
    data["parties-2-organisation"] = str(hrd.pk)  # no role
    response = manager.post(url("protocol_create"), data)
    assert response.status_code == 200
    assert "Fill this in, or clear the whole row." in response.content.decode()
    assert not Protocol.objects.exists()


def test_more_rows_keeps_what_was_typed_and_saves_nothing(manager, org, hrd, areas):
    data = complete_form(org, hrd, areas, title="Brouillon en cours")
    data["more"] = "1"
    response = manager.post(url("protocol_create"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="parties-TOTAL_FORMS" value="7"' in content
    assert 'name="rules-TOTAL_FORMS" value="6"' in content
    assert 'name="rules-5-party_role"' in content
    assert 'value="Brouillon en cours"' in content
    assert not Protocol.objects.exists()


def test_editing_a_draft_shows_its_rows_and_removes_a_ticked_one(manager, draft, org, hrd):
    page = manager.get(url("protocol_edit", draft))
    assert page.status_code == 200
    assert 'name="parties-INITIAL_FORMS" value="2"' in page.content.decode()
    data = form_data(
        parties=[(org.pk, PartyRole.CLUSTER_MEMBER), (hrd.pk, PartyRole.MISSION_HUMAN_RIGHTS)],
        rules=[(PartyRole.MISSION_HUMAN_RIGHTS, "hr", "2", ["verification"])],
        reference=draft.reference,
        title="Titre modifié",
        areas=[a.pk for a in draft.areas.all()],
    )
    data.update({"parties-INITIAL_FORMS": "2", "rules-INITIAL_FORMS": "1"})  # as on the page
    data["parties-1-DELETE"] = "on"
    response = manager.post(url("protocol_edit", draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Titre modifié"
    assert [p.organisation for p in draft.parties.all()] == [org]
    assert draft.rules.get().max_level == 2


def test_a_viewer_cannot_reach_create_or_edit(client_as, draft, org, hrd, areas):
    viewer = client_as("viewer")
    assert viewer.get(url("protocol_create")).status_code == 403
    assert viewer.post(url("protocol_create"), complete_form(org, hrd, areas)).status_code == 403
    assert viewer.get(url("protocol_edit", draft)).status_code == 403
    assert Protocol.objects.count() == 1


def test_an_administrator_of_another_organisation_cannot_edit(client_as, draft, other_org):
    outsider = client_as("org_admin", other_org)
    assert outsider.get(url("protocol_edit", draft)).status_code == 403


def test_a_protocol_in_force_cannot_be_edited(manager, active):
    page = manager.get(url("protocol_edit", active), follow=True)
    assert page.redirect_chain[-1][0] == url("protocol_detail", active)
    assert "Only a draft protocol can be changed" in page.content.decode()
    response = manager.post(url("protocol_edit", active), {"reference": "CHANGED"})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.reference == "PSEA-2025-09" and active.status == Protocol.Status.ACTIVE


# --------------------------------------------------------------------------- steps


def test_the_detail_of_a_draft_lists_its_missing_pieces(manager, org, areas):
    protocol = build_protocol(manager.user, {org: PartyRole.CLUSTER_MEMBER}, areas=[])
    content = manager.get(url("protocol_detail", protocol)).content.decode()
    assert "At least two party organisations." in content
    assert "A geographic scope (at least one area)." in content
    assert "The approval of a signatory of DRC." in content
    assert "Approve on behalf of DRC" in content


def test_each_party_approves_then_the_protocol_is_activated(
    manager, draft, hrd, client_as, client_for
):
    hrd_admin = client_as("org_admin", hrd)
    page = hrd_admin.get(url("protocol_detail", draft)).content.decode()
    assert "Approve on behalf of HRD" in page and "Approve on behalf of DRC" not in page

    for client, organisation in ((manager, draft.parties.first().organisation), (hrd_admin, hrd)):
        response = client.post(
            url("protocol_approve", draft), {"organisation": str(organisation.public_id)}
        )
        assert response.status_code == 302
    assert set(draft.approvals.values_list("organisation__acronym", flat=True)) == {"DRC", "HRD"}
    page = manager.get(url("protocol_detail", draft)).content.decode()
    assert "Nothing is missing: the protocol can be activated." in page

    response = manager.post(url("protocol_activate", draft), follow=True)
    draft.refresh_from_db()
    assert draft.status == Protocol.Status.ACTIVE
    assert "is active" in response.content.decode()
    assert "Suspend the protocol" in response.content.decode()


def test_one_cannot_sign_for_another_organisation(client_as, draft, hrd):
    drc_viewer_admin = client_as("org_admin")  # DRC's administrator, not HRD's
    response = drc_viewer_admin.post(
        url("protocol_approve", draft), {"organisation": str(hrd.public_id)}, follow=True
    )
    assert "You cannot sign for this organisation on this protocol." in response.content.decode()
    assert not draft.approvals.exists()


def test_activating_an_incomplete_protocol_shows_what_is_missing_and_changes_nothing(
    manager, draft
):
    response = manager.post(url("protocol_activate", draft), follow=True)
    content = response.content.decode()
    assert "The protocol is incomplete" in content
    assert "The approval of a signatory of HRD." in content
    draft.refresh_from_db()
    assert draft.status == Protocol.Status.DRAFT and draft.activated_at is None
    assert not AuditEvent.objects.filter(action="protocol.activate").exists()


def test_suspending_needs_a_reason(manager, active):
    response = manager.post(url("protocol_suspend", active), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the protocol is suspended." in response.content.decode()
    active.refresh_from_db()
    assert active.status == Protocol.Status.ACTIVE

    response = manager.post(url("protocol_suspend", active), {"reason": "Fuite signalée à Gao"})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == Protocol.Status.SUSPENDED
    assert active.status_note == "Fuite signalée à Gao"
    page = manager.get(url("protocol_detail", active)).content.decode()
    assert "Fuite signalée à Gao" in page and "Activate again" in page


def test_a_viewer_is_refused_suspension_and_sees_no_step_buttons(client_as, active):
    viewer = client_as("viewer")
    page = viewer.get(url("protocol_detail", active)).content.decode()
    assert "Suspend the protocol" not in page and "Activate" not in page
    assert viewer.post(url("protocol_suspend", active), {"reason": "no"}).status_code == 403
    active.refresh_from_db()
    assert active.status == Protocol.Status.ACTIVE


# --------------------------------------------------------------------------- list and document


def test_the_list_filters_by_status_and_offers_new_to_managers(manager, client_as, draft, active):
    content = manager.get(url("protocol_list")).content.decode()
    assert draft.reference in content and active.reference in content
    assert url("protocol_create") in content
    assert "DRC, HRD" in content
    filtered = manager.get(url("protocol_list"), {"status": "active"}).content.decode()
    assert active.reference in filtered and draft.reference not in filtered
    assert (
        url("protocol_create") not in client_as("viewer").get(url("protocol_list")).content.decode()
    )


def test_the_document_renders_in_english_and_in_french(client_as, active):
    english = client_as("viewer").get(url("protocol_detail", active))
    content = english.content.decode()
    assert english.status_code == 200
    for text in (
        "What each party role may receive",
        "Human-rights violations",
        "3 – confidential",
        "Analysis and reporting; Verification",
        "Intelligence gathering",
        "What the recipients must do",
        'Gao <span class="muted">(ML07)</span>',
        "90 days after it was shared",
        "Approved by",
    ):
        assert text in content, text
    french = client_as("viewer", language="fr").get(url("protocol_detail", active))
    assert french.status_code == 200
    assert 'lang="fr"' in french.content.decode()


def test_the_print_view_is_the_document_alone(client_as, active):
    response = client_as("viewer").get(url("protocol_print", active))
    content = response.content.decode()
    assert response.status_code == 200
    assert "What the recipients must do" in content
    assert 'class="top"' not in content  # no navigation header


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_pdf_is_a_real_pdf_in_the_current_language(client_as, active, language):
    response = client_as("viewer", language=language).get(url("protocol_pdf", active))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="protocol-{active.reference}-{language}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="protocol.export")
    assert event.detail == {"format": "pdf", "language": language}
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(  # noqa: S603 - a fixed local tool on our own output
            [pdftotext, "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert active.reference in text
        assert "Protocole DRC – MINUSMA" in text


def test_the_pdf_maker_never_fetches_from_the_network():
    with pytest.raises(ValueError):
        _local_only("https://example.org/font.woff2")
    with pytest.raises(ValueError):
        _local_only("file:///etc/passwd")
