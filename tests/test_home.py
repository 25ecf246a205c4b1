"""The home dashboard: counts and the latest incidents, without auditing reads it does not show."""

import pytest
from django.urls import reverse

from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import incident_factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(monitor, areas):
    return [incident_factory(monitor, classification=3) for _ in range(10)]


@pytest.mark.parametrize("role", ["viewer", "verifier", "org_admin", "monitor"])
def test_the_home_page_lists_the_latest_incidents_in_a_fixed_number_of_queries(
    role, ten, client_as, django_assert_max_num_queries
):
    client = client_as(role)
    client.get(reverse("core:home"))
    with django_assert_max_num_queries(18):  # incl. 3 counts of the requests card
        response = client.get(reverse("core:home"))
    assert response.status_code == 200
    shown = [i for i in ten if i.reference in response.content.decode()]
    assert len(shown) == (8 if role != "viewer" else 0)  # the incidents are classified 3


@pytest.mark.parametrize("role", ["verifier", "org_admin", "monitor"])
def test_the_home_page_does_not_audit_confidential_reads(role, ten, client_as):
    client = client_as(role)
    before = AuditEvent.objects.count()
    client.get(reverse("core:home"))
    assert AuditEvent.objects.count() == before


def test_the_home_page_of_a_system_admin_shows_no_case_data(ten, client_as):
    response = client_as("system_admin").get(reverse("core:home"))
    assert response.status_code == 200
    assert not any(i.reference in response.content.decode() for i in ten)
