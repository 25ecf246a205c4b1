"""Shared fixtures for every test package (organisations, users per role, `client_as(role)`,
an incident, a person), defined once in `passerelle/incidents/tests/fixtures.py`."""

pytest_plugins = ["passerelle.incidents.tests.fixtures"]
