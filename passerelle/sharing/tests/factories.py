"""Protocols for tests: built directly (a complete, approved, active protocol in one call)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from passerelle.accounts.tests.factories import UserFactory
from passerelle.geography.models import Area
from passerelle.policy.purposes import Purpose

from ..models import Protocol, ProtocolApproval, ProtocolParty, ProtocolRule

_counter = itertools.count(1)

ALL_CATEGORIES = ("mrm", "crsv", "gbv", "hr", "pm")


def protocol_factory(
    parties: dict,
    rules: list[tuple],
    *,
    areas=None,
    status: str = Protocol.Status.ACTIVE,
    retention_days: int = 90,
    k: int = 5,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    approved: bool = True,
) -> Protocol:
    """`parties`: {organisation: role or [roles]}; `rules`: (party_role, data_category or
    "*", max_level, [purposes]); `areas`: areas (default: the country)."""
    today = timezone.localdate()
    protocol = Protocol.objects.create(
        reference=f"PROTO-{next(_counter):03d}",
        title="Protocole d'échange d'information",
        status=status,
        valid_from=valid_from or today - dt.timedelta(days=30),
        valid_until=valid_until or today + dt.timedelta(days=365),
        retention_days=retention_days,
        k_threshold=k,
    )
    signer = UserFactory()
    for organisation, roles in parties.items():
        for role in [roles] if isinstance(roles, str) else roles:
            ProtocolParty.objects.create(protocol=protocol, organisation=organisation, role=role)
        if approved:
            ProtocolApproval.objects.create(
                protocol=protocol, organisation=organisation, approved_by=signer
            )
    for party_role, category, max_level, purposes in rules:
        for cat in ALL_CATEGORIES if category == "*" else [category]:
            ProtocolRule.objects.create(
                protocol=protocol,
                party_role=party_role,
                data_category=cat,
                max_level=max_level,
                purposes=list(purposes or [Purpose.VERIFICATION, Purpose.ANALYSIS]),
            )
    protocol.areas.set(areas or Area.objects.filter(level=0))
    return protocol
