"""A request crafted by POST for a forbidden purpose or for identities (level 4): the form
offers neither, but a refusal must be audited like any other, never a silent form error."""

from __future__ import annotations

import pytest

from passerelle.core.models import AuditEvent
from passerelle.policy.purposes import Purpose

from .test_views import count, form_data

pytestmark = pytest.mark.django_db


def refusals():
    return AuditEvent.objects.filter(action="request.refused")


@pytest.mark.parametrize(
    "values, code",
    [
        ({"purpose": Purpose.TARGETING}, "forbidden_purpose"),
        ({"purpose": Purpose.INTELLIGENCE}, "forbidden_purpose"),
        ({"purpose": Purpose.SCREENING}, "forbidden_purpose"),
        ({"level": 4, "data_category": "hr"}, "identities"),
    ],
)
def test_a_crafted_request_is_refused_with_its_reason_and_audited(
    world, client_for, theme, areas, values, code
):
    response = client_for(world["asker"]).post(
        "/requests/new/", form_data(world, theme, areas, file="1", **values)
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Not filed" in page
    assert count() == 0
    event = refusals().get()
    assert code in event.detail["reasons"]
    assert event.actor == world["asker"] and event.outcome == "refused"
    assert event.organisation == world["hrd"]


def test_a_crafted_request_with_other_fields_missing_is_still_audited(
    world, client_for, theme, areas
):
    response = client_for(world["asker"]).post(
        "/requests/new/",
        form_data(world, theme, areas, file="1", purpose=Purpose.TARGETING, subject="", level=4),
    )
    assert response.status_code == 200 and count() == 0
    event = refusals().get()
    assert {"forbidden_purpose", "identities"} <= set(event.detail["reasons"])
    assert "not intelligence gathering" in response.content.decode()


def test_earlier_requests_do_not_delay_the_refusal(world, client_for, theme, areas, ask):
    """A crafted request that looks like an earlier one is refused, not offered as a duplicate."""
    ask(subject="Nombre de personnes déplacées à Gao")
    response = client_for(world["asker"]).post(
        "/requests/new/", form_data(world, theme, areas, file="1", purpose=Purpose.TARGETING)
    )
    assert "Not filed" in response.content.decode()
    assert refusals().count() == 1


def test_the_form_still_offers_neither(world, client_for):
    page = client_for(world["asker"]).get("/requests/new/").content.decode()
    assert 'value="targeting"' not in page
    assert 'name="level" value="3"' in page and 'name="level" value="4"' not in page
