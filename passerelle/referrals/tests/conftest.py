"""Fixtures for the referrals tests: a referring organisation, a provider under a protocol."""

from __future__ import annotations

import pytest

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.policy.purposes import Purpose
from passerelle.sharing.tests.factories import protocol_factory

from ..models import ServiceType
from .factories import service_factory


@pytest.fixture
def provider():
    return OrganisationFactory(acronym="UNFPA", name="Fonds des Nations unies pour la population")


@pytest.fixture
def world(org, provider, monitor, person, areas, user_with_role):
    """DRC refers a victim of a Gao incident; UNFPA provides medical care in Gao under a
    protocol in force; DRC also runs a psychosocial service of its own."""
    gao = areas["ML07"]
    receiver = user_with_role("case_worker", provider, username="unfpa.cw", email="cw@unfpa.test")
    triage = user_with_role("org_admin", provider, username="unfpa.admin", email="a@unfpa.test")
    protocol = protocol_factory(
        {org: "cluster_member", provider: "gbv_provider"},
        [("gbv_provider", "*", 4, [Purpose.RESPONSE])],
        areas=[gao],
    )
    medical = service_factory(
        provider, service_type=ServiceType.MEDICAL, areas=[gao], receiver=receiver
    )
    in_house = service_factory(org, service_type=ServiceType.PSYCHOSOCIAL, areas=[gao])
    monitor.email = "awa@drc.test"
    monitor.save()
    return {
        "protocol": protocol,
        "medical": medical,
        "in_house": in_house,
        "receiver": receiver,
        "triage": triage,
        "gao": gao,
    }
