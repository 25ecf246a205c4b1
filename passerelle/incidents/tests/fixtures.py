"""Shared fixtures: organisations, users per role, logged-in clients, an incident and a person.

Used by the root `tests/conftest.py` and by `passerelle/incidents/tests/conftest.py` (a
conftest only reaches the tests below it, so the definitions live here, once).

Records are created through the services (`factories.py`) so that encryption and the audit
log are the real ones. Incident and Person querysets are guarded: read them directly only
inside `passerelle.core.guard.unscoped()`.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from passerelle.accounts.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    pass_two_factor,
)
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area

from .factories import incident_factory, person_factory

__all__ = [
    "areas",
    "client_as",
    "client_for",
    "incident",
    "logged_in_client",
    "monitor",
    "org",
    "other_org",
    "person",
    "user_with_role",
]


def logged_in_client(user, language: str | None = "en") -> Client:
    """A test client logged in as `user` (force_login: django-axes needs a request to
    authenticate), speaking `language` through the language cookie (None: no cookie, so
    the Accept-Language header or the default language decides). A user whose roles need
    two-factor authentication gets a confirmed TOTP device and a verified session."""
    client = Client()
    client.force_login(user)
    pass_two_factor(client, user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def org(db):
    return OrganisationFactory(acronym="DRC", name="Danish Refugee Council")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(acronym="AMSS", name="Association malienne pour la survie au Sahel")


@pytest.fixture
def areas(db):
    """The Mali administrative areas (country, 10 regions, cercles), by P-code."""
    load_mali()
    return {a.pcode: a for a in Area.objects.all()}


@pytest.fixture
def user_with_role(org):
    """`user_with_role(role, org=None, **user_fields)`: a user holding `role` in `org`."""

    def make(role: str, organisation=None, **fields):
        user = UserFactory(**fields)
        MembershipFactory(user=user, organisation=organisation or org, role=role)
        return user

    return make


@pytest.fixture
def client_for():
    """`client_for(user, language="en")`: a client logged in as that user."""
    return logged_in_client


@pytest.fixture
def client_as(user_with_role):
    """`client_as(role, org=None, language="en")`: a client logged in as a new user holding
    `role` in `org` (default: the `org` fixture). The user is `client.user`."""

    def make(role: str, organisation=None, language: str | None = "en"):
        user = user_with_role(role, organisation)
        client = logged_in_client(user, language)
        client.user = user
        return client

    return make


@pytest.fixture
def monitor(user_with_role):
    """The protection monitor of `org` who records the `incident` fixture."""
    return user_with_role("monitor", username="drc.monitor", first_name="Awa")


@pytest.fixture
def incident(monitor, areas):
    """A level-3 incident of `org`, recorded by `monitor`."""
    return incident_factory(
        monitor,
        area=areas["ML0701"],
        classification=3,
        narrative="Tirs sur le marché hebdomadaire de Tassiga; deux blessés.",
        exact_location="Puits nord de Tassiga",
    )


@pytest.fixture
def person(monitor, incident):
    """A victim of `incident` with an identity (recorded by `monitor`)."""
    return person_factory(
        monitor,
        incident,
        full_name="Fatoumata Maïga",
        father_name="Hamadoun Maïga",
        mother_name="Kadidia Cissé",
        phone="+223 76 12 34 56",
        address="Maison bleue près du puits de Tassiga",
    )
