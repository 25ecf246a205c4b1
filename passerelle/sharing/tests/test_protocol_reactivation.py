# ruff: noqa: F811  (the fixtures of test_sharing are imported and used by name)
"""Re-activating a suspended protocol does not revive what was shared before the suspension:
the suspension withdraws every disclosure (reason: protocol) and the owner confirms each one
again, with every check of a new share, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents.models import Consent
from passerelle.sharing import services
from passerelle.sharing.models import Disclosure, Protocol

from .test_sharing import consent, hrd, protocol, share, sharer, summary  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user_with_role):
    return user_with_role("org_admin", username="drc.admin")


def detail(incident):
    return reverse("incidents:detail", kwargs={"public_id": incident.public_id})


def suspend_and_reactivate(admin, protocol):
    services.suspend_protocol(admin, protocol, reason="Fuite signalée")
    protocol.refresh_from_db()
    services.activate_protocol(admin, protocol)
    protocol.refresh_from_db()
    assert protocol.status == Protocol.Status.ACTIVE


def test_suspension_withdraws_every_disclosure_with_the_protocol_as_reason(
    summary, protocol, hrd, sharer, admin
):
    disclosure = share(sharer, summary, protocol, hrd)
    services.suspend_protocol(admin, protocol, reason="Fuite signalée")
    disclosure.refresh_from_db()
    assert disclosure.revoked_at is not None
    assert disclosure.revoked_reason == Disclosure.Revocation.PROTOCOL
    event = AuditEvent.objects.get(action="disclosure.revoke")
    assert event.organisation == summary.owner and event.detail["reason"] == "protocol"


def test_reactivation_does_not_revive_what_was_shared_before(
    summary, protocol, hrd, sharer, admin, client_as
):
    share(sharer, summary, protocol, hrd)
    partner = client_as("viewer", hrd)
    assert partner.get(detail(summary)).status_code == 200
    suspend_and_reactivate(admin, protocol)
    assert partner.get(detail(summary)).status_code == 404
    assert summary.reference not in partner.get(reverse("sharing:received")).content.decode()


def test_reactivation_withdraws_disclosures_an_older_suspension_left_in_place(
    summary, protocol, hrd, sharer, admin, client_as
):
    """Suspensions made before this rule withdrew nothing: re-activation withdraws them."""
    disclosure = share(sharer, summary, protocol, hrd)
    Protocol.objects.filter(pk=protocol.pk).update(status=Protocol.Status.SUSPENDED)
    protocol.refresh_from_db()
    services.activate_protocol(admin, protocol)
    disclosure.refresh_from_db()
    assert disclosure.revoked_reason == Disclosure.Revocation.PROTOCOL
    assert client_as("viewer", hrd).get(detail(summary)).status_code == 404


def test_the_owner_confirms_a_disclosure_again_and_it_is_audited(
    summary, protocol, hrd, sharer, admin, client_as, client_for
):
    old = share(sharer, summary, protocol, hrd)
    suspend_and_reactivate(admin, protocol)
    owner = client_for(sharer)
    sent = owner.get(reverse("sharing:sent")).content.decode()
    assert reverse("sharing:confirm", kwargs={"public_id": old.public_id}) in sent
    response = owner.post(reverse("sharing:confirm", kwargs={"public_id": old.public_id}))
    assert response.status_code == 302
    with unscoped():
        new = Disclosure.objects.get(revoked_at__isnull=True)
    assert new.pk != old.pk and new.level == old.level and new.purpose == old.purpose
    event = AuditEvent.objects.get(action="disclosure.confirm")
    assert event.detail == {
        "disclosure": str(new.public_id),
        "confirms": str(old.public_id),
        "protocol": protocol.reference,
    }
    assert event.organisation == summary.owner and event.actor == sharer
    assert client_as("viewer", hrd).get(detail(summary)).status_code == 200


def test_confirming_again_checks_consent_as_it_stands_now(
    summary, protocol, hrd, sharer, admin, monitor, person
):
    from passerelle.incidents import services as incident_services

    incident_services.update_incident(monitor, summary, classification=3)
    summary.refresh_from_db()
    given = consent(monitor, person, Consent.Scope.CASE_SHARING)
    old = share(sharer, summary, protocol, hrd, level=3)
    services.suspend_protocol(admin, protocol, reason="Fuite signalée")
    incident_services.withdraw_consent(monitor, given)  # while suspended
    protocol.refresh_from_db()
    services.activate_protocol(admin, protocol)
    with pytest.raises(services.SharingRefused) as refused:
        services.confirm_disclosure(sharer, old)
    assert "no_consent" in refused.value.codes
    assert AuditEvent.objects.filter(action="disclosure.refused").exists()
    with unscoped():
        assert not Disclosure.objects.filter(revoked_at__isnull=True).exists()


def test_only_a_disclosure_withdrawn_by_the_protocol_can_be_confirmed_again(
    summary, protocol, hrd, sharer, admin
):
    disclosure = share(sharer, summary, protocol, hrd)
    services.revoke_disclosure(sharer, disclosure)  # withdrawn by the owner: stays withdrawn
    with pytest.raises(services.DomainError):
        services.confirm_disclosure(sharer, disclosure)
    old = share(sharer, summary, protocol, hrd)
    services.suspend_protocol(admin, protocol, reason="Fuite signalée")
    with pytest.raises(services.DomainError):  # the protocol is not in force yet
        services.confirm_disclosure(sharer, old)
    assert AuditEvent.objects.filter(action="access.refused").count() == 2


def test_an_outsider_cannot_confirm_again(
    summary, protocol, hrd, sharer, admin, client_as, other_org
):
    old = share(sharer, summary, protocol, hrd)
    suspend_and_reactivate(admin, protocol)
    for client in (client_as("verifier", other_org), client_as("verifier", hrd)):
        response = client.post(reverse("sharing:confirm", kwargs={"public_id": old.public_id}))
        assert response.status_code == 404
    with unscoped():
        assert not Disclosure.objects.filter(revoked_at__isnull=True).exists()
