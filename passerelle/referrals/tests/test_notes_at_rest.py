"""The provider's notes and the notes of each referral step are encrypted at rest and shown
only to readers who reach level 3 on the referral (see tests/test_encryption_at_rest.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from passerelle.core import crypto
from passerelle.core.fields import Sealed
from passerelle.core.guard import unscoped
from passerelle.incidents import services as incident_services

from .. import services
from ..models import Referral, ReferralEvent

ACCEPTED = "Rendez-vous jeudi au CSRéf de Xylophonia, côté maternité."
CLOSED = "Suivi fait par Zorbalandia, plus besoin d'accompagnement."

pytestmark = pytest.mark.django_db


def _column(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        return [str(row[0]) for row in cursor.fetchall() if row[0] not in (None, "")]


@pytest.fixture
def referral(world, monitor, person):
    incident_services.record_consent(monitor, person, scope="referral", given=True)
    referral = services.create_referral(
        monitor, person, world["medical"], summary="Soins dans les 72 heures."
    )
    receiver = world["receiver"]
    services.move_referral(receiver, referral, "acknowledged")
    services.move_referral(receiver, referral, "accepted", note=ACCEPTED)
    return referral


def _close(referral, world, monitor):
    services.move_referral(world["receiver"], referral, "provided")
    services.move_referral(monitor, referral, "closed", note=CLOSED)


def test_provider_and_step_notes_are_not_stored_in_clear(referral, world, monitor):
    _close(referral, world, monitor)
    for table, column in (
        ("referrals_referral", "provider_note"),
        ("referrals_referralevent", "note"),
    ):
        stored = _column(table, column)
        assert stored and all(v.startswith(crypto.PREFIX) for v in stored)
        assert not any("Xylophonia" in v or "Zorbalandia" in v for v in stored)
    referral.refresh_from_db()
    assert referral.provider_note.reveal() == ACCEPTED
    step = ReferralEvent.objects.filter(referral=referral).exclude(note=None).first()
    assert step.note.reveal() == ACCEPTED
    with pytest.raises(crypto.DecryptionError):  # bound to its referral: no use elsewhere
        Sealed(step.note.token, f"referrals.ReferralEvent.note#{referral.pk + 1}").reveal()


def test_a_second_provider_note_is_appended_to_the_first_in_clear(referral, world):
    services.move_referral(world["receiver"], referral, "provided", note="Soins donnés.")
    referral = Referral._base_manager.get(pk=referral.pk)
    assert referral.provider_note.reveal() == f"{ACCEPTED}\nSoins donnés."


def test_level_3_readers_see_the_notes_and_a_provider_left_with_a_stub_does_not(
    referral, world, monitor, person, client_for
):
    url = reverse("referrals:detail", kwargs={"public_id": referral.public_id})
    for reader in (monitor, world["receiver"]):  # the sender, and the provider while live
        page = client_for(reader).get(url).content.decode()
        assert page.count("Xylophonia") == 2, reader  # the provider's note and the step
        assert "[protected]" not in page

    # Consent withdrawn: the provider keeps only a stub (level 1) of the referral.
    with unscoped():  # consents are guarded
        consent = person.consents.get(scope="referral", withdrawn_at=None)
    incident_services.withdraw_consent(monitor, consent)
    page = client_for(world["receiver"]).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert referral.reference in text
    assert "Xylophonia" not in text and "[protected]" not in text
    assert "Xylophonia" in client_for(monitor).get(url).content.decode()
