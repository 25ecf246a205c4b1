"""Fixtures (organisations, users per role, `client_as(role)`, an incident, a person).

They are defined once in `passerelle/incidents/tests/fixtures.py` so that the root tests
and the app tests share them; see that module.
"""

from passerelle.incidents.tests.fixtures import (  # noqa: F401
    areas,
    client_as,
    client_for,
    incident,
    monitor,
    org,
    other_org,
    person,
    user_with_role,
)
