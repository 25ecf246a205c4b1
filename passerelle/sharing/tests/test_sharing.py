"""Sharing under a protocol: what a partner sees, every refusal, and what cuts access."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from passerelle import policy
from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core import jobs
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Notification
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent, Incident
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.policy.purposes import Purpose
from passerelle.sharing import services
from passerelle.sharing.models import Disclosure, PartyRole, Protocol

from .factories import protocol_factory

pytestmark = pytest.mark.django_db

NARRATIVE = "Tirs sur le marché hebdomadaire de Tassiga; deux blessés."


@pytest.fixture
def hrd(db):
    return OrganisationFactory(acronym="HRD", name="MINUSMA Human Rights Division")


@pytest.fixture
def protocol(org, hrd, other_org, areas):
    """DRC (cluster member) and HRD (mission human rights): summaries at level 2 for
    verification, case details at level 4 at most; AMSS is not a party."""
    return protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 4, [Purpose.VERIFICATION, Purpose.ANALYSIS])],
        areas=[areas["ML07"]],  # Gao region only
    )


@pytest.fixture
def sharer(user_with_role):
    return user_with_role("verifier", username="drc.verifier")


@pytest.fixture
def summary(monitor, areas, person):
    """A level-2 incident in Gao (ML0701) with one victim, no consent recorded."""
    incident = person.incident
    incident_services.update_incident(monitor, incident, classification=2)
    incident.refresh_from_db()
    return incident


def share(actor, incident, protocol, recipient, **kw):
    kw.setdefault("purpose", Purpose.VERIFICATION)
    kw.setdefault("level", 2)
    return services.share_incident(actor, incident, protocol=protocol, recipient=recipient, **kw)


def consent(monitor, person, scope):
    return incident_services.record_consent(monitor, person, scope=scope, given=True)


# --------------------------------------------------------------------------- level 2


def test_a_summary_shared_at_level_2_hides_narrative_identity_and_exact_place(
    summary, protocol, hrd, sharer, client_as
):
    disclosure = share(sharer, summary, protocol, hrd)
    assert disclosure.level == 2 and disclosure.consent_basis == []
    client = client_as("monitor", hrd)
    page = client.get(reverse("incidents:detail", kwargs={"public_id": summary.public_id}))
    assert page.status_code == 200
    html = page.content.decode()
    assert summary.reference in html
    assert "Tassiga" not in html  # narrative and exact location
    assert "Maïga" not in html
    assert "Shared with your organisation by DRC" in html
    listing = client.get(reverse("sharing:received")).content.decode()
    assert summary.reference in listing
    # the person page needs level 3
    with unscoped():
        person = summary.persons.get()
    assert (
        client.get(reverse("incidents:person", kwargs={"public_id": person.public_id})).status_code
        == 404
    )


def test_a_partner_outside_the_protocol_sees_nothing(
    summary, protocol, hrd, other_org, sharer, client_as
):
    share(sharer, summary, protocol, hrd)
    client = client_as("monitor", other_org)
    url = reverse("incidents:detail", kwargs={"public_id": summary.public_id})
    assert client.get(url).status_code == 404
    assert summary.reference not in client.get(reverse("sharing:received")).content.decode()


def test_the_recipient_is_notified_in_app_and_by_mail(
    summary, protocol, hrd, sharer, user_with_role, django_capture_on_commit_callbacks
):
    officer = user_with_role("viewer", hrd, language="fr")
    with django_capture_on_commit_callbacks(execute=True):  # e-mail leaves after the commit
        share(sharer, summary, protocol, hrd)
    jobs.work()  # the worker sends the mail queued after the commit
    note = Notification.objects.get(recipient=officer)
    assert note.kind == "disclosure.received" and note.params["reference"] == summary.reference
    assert any(officer.email in m.to and "DRC" in m.body for m in mail.outbox)


# --------------------------------------------------------------------------- refusals


def _refusal(code):
    events = AuditEvent.objects.filter(action="disclosure.refused", outcome="refused")
    return [e for e in events if code in e.detail["reasons"]]


@pytest.mark.parametrize("purpose", [Purpose.INTELLIGENCE, Purpose.TARGETING, Purpose.SCREENING])
def test_a_forbidden_purpose_is_refused_and_audited(summary, protocol, hrd, sharer, purpose):
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, summary, protocol, hrd, purpose=purpose)
    assert "forbidden_purpose" in refused.value.codes
    assert "intelligence gathering" in str(refused.value)
    with unscoped():
        assert not Disclosure.objects.exists()
    events = _refusal("forbidden_purpose")
    assert len(events) == 1 and events[0].actor == sharer and events[0].detail["purpose"] == purpose


def test_every_reason_is_given_at_once_and_nothing_is_disclosed(
    summary, protocol, other_org, sharer, monitor
):
    incident_services.update_incident(monitor, summary, classification=3)
    summary.refresh_from_db()
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, summary, protocol, other_org, purpose=Purpose.ADVOCACY, level=2)
    assert {"recipient_not_party", "below_classification"} <= set(refused.value.codes)
    with unscoped():
        assert not Disclosure.objects.exists()


def test_outside_the_geographic_scope_is_refused(monitor, protocol, hrd, sharer, areas):
    kayes = incident_factory(monitor, area=areas["ML0101"], classification=2)
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, kayes, protocol, hrd)
    assert refused.value.codes == ["outside_area"]


def test_above_the_protocol_level_or_for_another_purpose_is_refused(
    summary, org, hrd, sharer, areas, person, monitor
):
    narrow = protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 2, [Purpose.VERIFICATION])],
    )
    consent(monitor, person, Consent.Scope.CASE_SHARING)
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, summary, narrow, hrd, level=3, purpose=Purpose.ADVOCACY)
    assert set(refused.value.codes) == {"above_protocol_level", "purpose_not_allowed"}


def test_a_suspended_or_expired_protocol_cannot_be_used(summary, protocol, hrd, sharer):
    protocol.valid_until = timezone.localdate() - dt.timedelta(days=1)
    protocol.save()
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, summary, protocol, hrd)
    assert refused.value.codes == ["protocol_not_in_force"]


def test_a_viewer_cannot_share(summary, protocol, hrd, user_with_role):
    with pytest.raises(services.SharingRefused) as refused:
        share(user_with_role("viewer"), summary, protocol, hrd)
    assert "not_permitted" in refused.value.codes


# --------------------------------------------------------------------------- consent


def test_case_details_need_every_persons_consent(summary, protocol, hrd, sharer, monitor, person):
    incident_services.update_incident(monitor, summary, classification=3)
    summary.refresh_from_db()
    witness = person_factory(monitor, summary, role="witness", full_name="Oumar Touré")
    consent(monitor, person, Consent.Scope.CASE_SHARING)
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, summary, protocol, hrd, level=3)
    assert refused.value.codes == ["no_consent"]
    assert witness.code in str(refused.value)
    consent(monitor, witness, Consent.Scope.IDENTIFIABLE_SHARING)
    disclosure = share(sharer, summary, protocol, hrd, level=3)
    assert {b["person"] for b in disclosure.consent_basis} == {person.code, witness.code}


def test_level_3_shows_the_narrative_but_no_identity(
    summary, protocol, hrd, sharer, monitor, person, client_as
):
    consent(monitor, person, Consent.Scope.CASE_SHARING)
    share(sharer, summary, protocol, hrd, level=3)
    client = client_as("monitor", hrd)
    html = client.get(
        reverse("incidents:detail", kwargs={"public_id": summary.public_id})
    ).content.decode()
    assert NARRATIVE.split(";")[0] in html
    assert "Maïga" not in html
    page = client.get(reverse("incidents:person", kwargs={"public_id": person.public_id}))
    assert page.status_code == 200 and "Maïga" not in page.content.decode()
    read = AuditEvent.objects.filter(action="incident.read", actor=client.user).get()
    assert read.organisation.acronym == "DRC" and read.level == 3


def test_consent_withdrawal_cuts_access_at_once_and_tells_the_recipients(
    summary, protocol, hrd, sharer, monitor, person, client_as
):
    given = consent(monitor, person, Consent.Scope.CASE_SHARING)
    disclosure = share(sharer, summary, protocol, hrd, level=3)
    client = client_as("monitor", hrd)
    url = reverse("incidents:detail", kwargs={"public_id": summary.public_id})
    assert NARRATIVE[:20] in client.get(url).content.decode()
    incident_services.withdraw_consent(monitor, given)
    disclosure.refresh_from_db()
    assert disclosure.revoked_at is not None
    assert disclosure.revoked_reason == Disclosure.Revocation.CONSENT
    assert client.get(url).status_code == 404
    assert Notification.objects.filter(recipient=client.user, kind="disclosure.revoked").exists()
    assert AuditEvent.objects.filter(action="disclosure.revoke", detail__reason="consent").exists()


def test_a_level_2_summary_survives_a_withdrawal_of_case_consent(
    summary, protocol, hrd, sharer, monitor, person, client_as
):
    given = consent(monitor, person, Consent.Scope.CASE_SHARING)
    disclosure = share(sharer, summary, protocol, hrd, level=2)
    incident_services.withdraw_consent(monitor, given)
    disclosure.refresh_from_db()
    assert disclosure.revoked_at is None


def test_identities_go_to_a_named_recipient_with_identifiable_consent(
    summary, protocol, hrd, sharer, monitor, person, user_with_role, client_for
):
    named = user_with_role("monitor", hrd)
    colleague = user_with_role("monitor", hrd)
    with pytest.raises(services.SharingRefused) as refused:
        share(sharer, summary, protocol, hrd, level=4)
    assert set(refused.value.codes) == {"no_consent", "no_named_recipient", "above_own_clearance"}
    consent(monitor, person, Consent.Scope.IDENTIFIABLE_SHARING)
    incident_services.set_need_to_know(
        user_with_role("org_admin"), summary, user=sharer, named=True
    )
    share(sharer, summary, protocol, hrd, level=4, recipient_user=named)
    person_url = reverse("incidents:person", kwargs={"public_id": person.public_id})
    assert "Maïga" in client_for(named).get(person_url).content.decode()
    assert "Maïga" not in client_for(colleague).get(person_url).content.decode()
    assert policy.clearance(named, summary) == 4
    assert policy.clearance(colleague, summary) == 3


# --------------------------------------------------------------------------- protocol and retention


def test_suspending_the_protocol_cuts_access_and_tells_the_recipients(
    summary, protocol, hrd, sharer, client_as, user_with_role
):
    share(sharer, summary, protocol, hrd)
    client = client_as("viewer", hrd)
    url = reverse("incidents:detail", kwargs={"public_id": summary.public_id})
    assert client.get(url).status_code == 200
    admin = user_with_role("org_admin")
    services.suspend_protocol(admin, protocol, reason="Fuite signalée")
    assert client.get(url).status_code == 404
    assert Notification.objects.filter(recipient=client.user, kind="protocol.suspended").exists()


def test_a_shared_copy_is_hidden_once_its_retention_ends(summary, protocol, hrd, sharer, client_as):
    disclosure = share(sharer, summary, protocol, hrd)
    assert disclosure.expires_at.date() == timezone.localdate() + dt.timedelta(days=90)
    with unscoped():
        Disclosure.objects.filter(pk=disclosure.pk).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    client = client_as("viewer", hrd)
    assert (
        client.get(reverse("incidents:detail", kwargs={"public_id": summary.public_id})).status_code
        == 404
    )
    assert summary.reference not in client.get(reverse("sharing:received")).content.decode()


def test_the_owner_can_withdraw_a_disclosure(summary, protocol, hrd, sharer, client_as, client_for):
    disclosure = share(sharer, summary, protocol, hrd)
    response = client_for(sharer).post(
        reverse("sharing:revoke", kwargs={"public_id": disclosure.public_id})
    )
    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.revoked_reason == Disclosure.Revocation.OWNER
    client = client_as("viewer", hrd)
    assert (
        client.get(reverse("incidents:detail", kwargs={"public_id": summary.public_id})).status_code
        == 404
    )


def test_shared_records_never_give_write_actions(
    summary, protocol, hrd, sharer, user_with_role, monitor, person
):
    consent(monitor, person, Consent.Scope.IDENTIFIABLE_SHARING)
    share(sharer, summary, protocol, hrd, level=3)
    hrd_verifier = user_with_role("verifier", hrd)
    assert policy.can(hrd_verifier, "incident.view", summary)
    for action in (
        "incident.edit",
        "incident.verify",
        "incident.share",
        "person.edit",
        "consent.record",
    ):
        assert not policy.can(hrd_verifier, action, summary)


@pytest.mark.parametrize("action", sorted(policy.gate.SHARED_ACTIONS))
def test_scope_agrees_with_can_on_shared_records(
    action, summary, protocol, hrd, sharer, monitor, person, user_with_role
):
    other = incident_factory(monitor, area=summary.area, classification=3)
    consent(monitor, person, Consent.Scope.IDENTIFIABLE_SHARING)
    share(sharer, summary, protocol, hrd, level=3)
    named = user_with_role("monitor", hrd)
    incident_services.set_need_to_know(
        user_with_role("org_admin"), summary, user=sharer, named=True
    )
    share(sharer, summary, protocol, hrd, level=4, recipient_user=named, purpose=Purpose.ANALYSIS)
    person_factory(monitor, other)
    for role in ("viewer", "monitor", "verifier", "org_admin", "im_officer"):
        for user in (user_with_role(role, hrd), named):
            with unscoped():
                everything = list(Incident.objects.all())
            expected = {i.pk for i in everything if policy.can(user, action, i)}
            scoped = set(
                policy.scope(user, Incident.objects.all(), action).values_list("pk", flat=True)
            )
            assert scoped == expected, (role, action)


# --------------------------------------------------------------------------- protocol lifecycle


def test_an_incomplete_protocol_lists_what_is_missing_and_stays_a_draft(org, hrd, user_with_role):
    admin = user_with_role("org_admin")
    draft = services.save_protocol(
        admin,
        None,
        fields={"reference": "PC-HRD-01", "title": "Échange"},
        parties=[{"organisation": org, "role": PartyRole.CLUSTER_MEMBER}],
        rules=[],
        areas=[],
    )
    missing = [str(m) for m in services.missing_pieces(draft)]
    assert "At least two party organisations." in missing
    assert "A geographic scope (at least one area)." in missing
    assert "Validity dates (from and until)." in missing
    with pytest.raises(services.DomainError) as error:
        services.activate_protocol(admin, draft)
    assert error.value.code == "incomplete"
    draft.refresh_from_db()
    assert draft.status == Protocol.Status.DRAFT


def test_a_protocol_is_active_only_after_every_party_approved(org, hrd, areas, user_with_role):
    drc_admin = user_with_role("org_admin")
    hrd_admin = user_with_role("org_admin", hrd)
    today = timezone.localdate()
    draft = services.save_protocol(
        drc_admin,
        None,
        fields={
            "reference": "PC-HRD-02",
            "title": "Échange",
            "valid_from": today,
            "valid_until": today + dt.timedelta(days=180),
            "retention_days": 60,
        },
        parties=[
            {"organisation": org, "role": PartyRole.CLUSTER_MEMBER},
            {"organisation": hrd, "role": PartyRole.MISSION_HUMAN_RIGHTS},
        ],
        rules=[
            {
                "party_role": PartyRole.MISSION_HUMAN_RIGHTS,
                "data_category": "hr",
                "max_level": 2,
                "purposes": [Purpose.VERIFICATION],
            }
        ],
        areas=[areas["ML"]],
    )
    services.approve_protocol(drc_admin, draft, org)
    assert [str(m) for m in services.missing_pieces(draft)] == [
        "The approval of a signatory of HRD."
    ]
    with pytest.raises(services.DomainError):
        services.approve_protocol(drc_admin, draft, hrd)  # not their signature to give
    services.approve_protocol(hrd_admin, draft, hrd)
    services.activate_protocol(drc_admin, draft)
    draft.refresh_from_db()
    assert draft.status == Protocol.Status.ACTIVE and draft.in_force()


def test_a_protocol_rule_can_never_allow_intelligence(org, user_with_role):
    with pytest.raises(services.DomainError):
        services.save_protocol(
            user_with_role("org_admin"),
            None,
            fields={"reference": "X-1", "title": "x"},
            parties=[],
            rules=[
                {
                    "party_role": PartyRole.MISSION_COMPONENT,
                    "data_category": "hr",
                    "max_level": 1,
                    "purposes": [Purpose.INTELLIGENCE],
                }
            ],
            areas=[],
        )


# --------------------------------------------------------------------------- break-glass


def test_break_glass_opens_identities_for_a_time_with_a_reason_and_is_reviewed(
    incident, person, user_with_role, client_for
):
    colleague = user_with_role("monitor")
    admin = user_with_role("org_admin")
    person_url = reverse("incidents:person", kwargs={"public_id": person.public_id})
    client = client_for(colleague)
    assert "Maïga" not in client.get(person_url).content.decode()
    with pytest.raises(services.DomainError):
        services.open_break_glass(colleague, incident, reason="urgent", hours=2)
    response = client.post(
        reverse("sharing:break_glass", kwargs={"public_id": incident.public_id}),
        {
            "reason": "La survivante est menacée ce soir; orientation d'urgence vers un abri.",
            "hours": 2,
        },
    )
    assert response.status_code == 302
    assert "Maïga" in client.get(person_url).content.decode()
    event = AuditEvent.objects.get(action="breakglass.open")
    assert event.actor == colleague and event.level == 4
    assert Notification.objects.filter(recipient=admin, kind="breakglass.used").exists()
    listing = client_for(admin).get(reverse("sharing:break_glass_list")).content.decode()
    assert "orientation d&#x27;urgence" in listing or "orientation d'urgence" in listing
    with unscoped():  # break-glass accesses are guarded: read through the policy
        access = colleague.break_glass.get()
    services.review_break_glass(admin, access, note="Justifié")
    access.refresh_from_db()
    assert access.reviewed_by == admin
    # once the time is over, the identities close again
    with unscoped():
        type(access).objects.filter(pk=access.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    assert "Maïga" not in client_for(colleague).get(person_url).content.decode()


def test_break_glass_does_not_reach_other_organisations(incident, user_with_role, other_org):
    outsider = user_with_role("monitor", other_org)
    with pytest.raises(PermissionDenied):
        services.open_break_glass(outsider, incident, reason="x" * 40, hours=2)
    assert not policy.can(outsider, "person.view_identity", incident)


def test_expired_protocols_are_marked_and_recipients_told(
    summary, protocol, hrd, sharer, client_as
):
    from django.core.management import call_command

    share(sharer, summary, protocol, hrd)
    client = client_as("viewer", hrd)
    url = reverse("incidents:detail", kwargs={"public_id": summary.public_id})
    protocol.valid_until = timezone.localdate() - dt.timedelta(days=1)
    protocol.save()
    assert client.get(url).status_code == 404  # the dates alone cut access
    call_command("expire_protocols", stdout=io.StringIO())
    protocol.refresh_from_db()
    assert protocol.status == Protocol.Status.EXPIRED
    assert Notification.objects.filter(recipient=client.user, kind="protocol.expired").exists()


@pytest.mark.parametrize("count", [3, 12])
def test_lists_of_shared_records_run_a_fixed_number_of_queries(
    count, protocol, hrd, sharer, monitor, areas, client_as, django_assert_max_num_queries
):
    for n in range(count):
        incident = incident_factory(monitor, area=areas["ML0701"], classification=2 + n % 2)
        person = person_factory(monitor, incident)
        consent(monitor, person, Consent.Scope.CASE_SHARING)
        share(sharer, incident, protocol, hrd, level=3 if n % 2 else 2, purpose=Purpose.ANALYSIS)
    client = client_as("monitor", hrd)
    for url in (reverse("sharing:received"), reverse("incidents:list")):
        client.get(url)
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assert len(response.context["rows"]) == count
