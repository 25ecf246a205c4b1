"""schemathesis against the API's OpenAPI schema, in-process (the Django WSGI app), as several
roles with their tokens: no server error, responses that match the schema, and no response
that shows a field the role may not see (`policy.visible_fields` of the record served).

Bounded so that it stays in the normal `make test`: MAX_EXAMPLES cases per operation and
role, derandomized (the same cases every run)."""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from passerelle import policy
from passerelle.core.guard import unscoped
from passerelle.incidents.models import Incident, Person

from .apikit import META_KEYS, token_for

pytestmark = pytest.mark.django_db

ROLES = ("viewer", "monitor", "im_officer", "org_admin")
# Cases per operation and role in `make test`; a deeper run: PASSERELLE_SCHEMATHESIS_EXAMPLES=50
MAX_EXAMPLES = int(os.environ.get("PASSERELLE_SCHEMATHESIS_EXAMPLES", "6"))
MODELS = {"/api/incidents/": Incident, "/api/persons/": Person}


def _records(path: str, body) -> list[tuple[type, dict]]:
    """(model, row) for each incident or person in a response body."""
    for prefix, model in MODELS.items():
        if path.startswith(prefix) and isinstance(body, dict):
            rows = body.get("results") if "results" in body else [body]
            return [(model, row) for row in rows or [] if isinstance(row, dict) and "id" in row]
    return []


def _no_field_beyond_the_policy(user):
    def check(ctx, response, case):
        if response.status_code != 200:
            return None
        for model, row in _records(case.operation.path, response.json()):
            with unscoped():
                obj = model.objects.get(public_id=row["id"])
            allowed = set(policy.visible_fields(user, obj)) | META_KEYS
            extra = set(row) - allowed
            if extra:
                raise AssertionError(f"{case.operation.path} shows {sorted(extra)}")
        return True

    return check


def _run(schema, user, key: str, known: list) -> int:
    """Every operation of the schema, MAX_EXAMPLES generated cases each, plus each record
    operation called with the ids of `known` records (generated ids are never found);
    returns the cases run."""
    checks = [not_a_server_error, response_schema_conformance]
    custom = _no_field_beyond_the_policy(user)
    headers = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "{public_id}" in operation.path and operation.method.upper() == "GET":
            for public_id in known:
                case = operation.Case(path_parameters={"public_id": str(public_id)})
                response = case.call(headers=headers)
                case.validate_response(response, checks=checks)
                custom(None, response, case)
                count += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def test(case):
            nonlocal count
            count += 1
            cache.clear()  # no rate limit inside the run
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks)
            custom(None, response, case)

        test()
    return count


@pytest.fixture
def world(monitor, incident, person, user_with_role):
    """Records of every level for the run: the confidential incident and its person (with an
    identity and a consent), a de-identified incident recorded by another monitor, and a
    colleague's person the monitor is not named on."""
    from passerelle.incidents import services
    from passerelle.incidents.tests.factories import incident_factory, person_factory

    consent = services.record_consent(monitor, person, scope="referral", given=True)
    colleague = user_with_role("monitor")
    public = incident_factory(colleague, area=incident.area, classification=2)
    theirs = person_factory(colleague, public)
    return [
        incident.public_id,
        person.public_id,
        consent.public_id,
        public.public_id,
        theirs.public_id,
    ]


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_server_error_and_no_field_beyond_the_role(
    role, monitor, world, user_with_role
):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    user = monitor if role == "monitor" else user_with_role(role)
    key = token_for(user)
    # in-process requests must not close the test's database connection (as Django's
    # test client does, these signals are disconnected for the run)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        started = time.monotonic()
        count = _run(schema, user, key, world)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    print(f"schemathesis as {role}: {count} cases in {time.monotonic() - started:.1f} s")
    assert count >= MAX_EXAMPLES * 10


def test_the_field_check_fails_on_a_field_beyond_the_role(person, user_with_role):
    """The counterpart (the check can fail): an identity served to an organisation
    administrator, who may not see identities, is caught."""
    from types import SimpleNamespace

    reader = user_with_role("org_admin")
    row = {"id": str(person.public_id), "code": "V01", "full_name": "Fatoumata Maïga"}
    response = SimpleNamespace(status_code=200, json=lambda: row)
    case = SimpleNamespace(operation=SimpleNamespace(path="/api/persons/{public_id}/"))
    with pytest.raises(AssertionError, match="full_name"):
        _no_field_beyond_the_policy(reader)(None, response, case)
    del row["full_name"]
    assert _no_field_beyond_the_policy(reader)(None, response, case)
