"""Property: a referral is made exactly when consent, service, protocol and receiver allow
it, and the provider never sees more than the referral, the protocol and its role allow."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle import policy
from passerelle.incidents import services as incident_services
from passerelle.sharing.models import Protocol

from .. import services
from ..models import Service

pytestmark = pytest.mark.django_db


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    consent=st.sampled_from(["none", "given", "refused"]),
    service_active=st.booleans(),
    protocol=st.sampled_from(["active", "suspended"]),
    protocol_level=st.integers(min_value=2, max_value=4),
    level=st.integers(min_value=2, max_value=4),
    named=st.booleans(),
    reader=st.sampled_from(["receiver", "triage", "colleague"]),
)
def test_referral_is_made_iff_allowed_and_never_shows_more(
    world,
    monitor,
    person,
    user_with_role,
    consent,
    service_active,
    protocol,
    protocol_level,
    level,
    named,
    reader,
):
    colleague = user_with_role("case_worker", world["medical"].provider)
    readers = {"receiver": world["receiver"], "triage": world["triage"], "colleague": colleague}
    with transaction.atomic():
        Protocol.objects.filter(pk=world["protocol"].pk).update(status=protocol)
        world["protocol"].rules.update(max_level=protocol_level)
        Service.objects.filter(pk=world["medical"].pk).update(
            status="active" if service_active else "suspended",
            receiver=world["receiver"] if named else None,
        )
        service = Service.objects.get(pk=world["medical"].pk)
        if consent != "none":
            incident_services.record_consent(
                monitor, person, scope="referral", given=consent == "given"
            )
        allowed = (
            consent == "given"
            and service_active
            and protocol == "active"
            and level <= protocol_level
            and (level < 4 or named)
        )
        try:
            referral = services.create_referral(monitor, person, service, level=level)
        except services.ReferralRefused:
            made = False
        else:
            made = True
        assert made == allowed
        if made:
            user = readers[reader]
            seen = policy.referral_level(user, referral)
            role_level = 4 if reader != "triage" else 3
            assert seen == min(level, role_level, 4 if user == referral.receiver else 3)
            view = policy.redact_referral(user, referral, audit_reads=False)
            assert ("full_name" in view) == (seen == 4)
            assert ("summary" in view) == (seen >= 3)
        transaction.set_rollback(True)
    policy.forget(monitor)
