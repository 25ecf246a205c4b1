"""The audit log as an organisation's administrator reads it: actions in words of the reader's
language, records by a reference the reader may see (else a neutral wording), the actor's
name, filters in the URL, pages, an audited XLSX export; who sees which events is unchanged
(the policy's `audit.view`)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from passerelle.core import audit
from passerelle.core.audit_view import ACTIONS
from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import incident_factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client_as):
    return client_as("org_admin")


@pytest.fixture
def theirs(other_org, user_with_role, areas):
    """An incident of the other organisation, recorded by its monitor (named Moussa)."""
    monitor = user_with_role("monitor", other_org, first_name="Moussa", last_name="Diarra")
    return incident_factory(monitor, area=areas["ML0701"])


def page(client, **params) -> str:
    response = client.get(reverse("core:audit"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_actions_read_as_words_in_the_reader_language(client_as, incident, language):
    with translation.override(language):
        words = str(ACTIONS["incident.create"])
        reference = _("Incident %(ref)s") % {"ref": incident.reference}
    client = client_as("org_admin", language=language)
    html = page(client)
    assert words in html
    assert reference in html
    assert ">incident.create<" not in html


def test_the_record_is_its_reference_and_the_actor_their_name(admin, incident, monitor):
    html = page(admin)
    assert f"Incident {incident.reference}" in html
    assert monitor.display_name in html
    assert "incidents.Incident" not in html
    assert str(incident.public_id)[:8] not in html


def test_a_record_the_reader_may_not_see_is_not_named(admin, org, monitor, incident, theirs):
    # an event of our log about a record of another organisation
    audit.record(monitor, "incident.read", theirs, organisation=org, level=3)
    html = page(admin)
    assert theirs.reference not in html
    assert "Record in another organisation" in html
    assert f"Incident {incident.reference}" in html


def test_another_organisation_events_stay_out_of_the_log(admin, incident, theirs):
    html = page(admin)
    assert "Moussa" not in html
    assert theirs.reference not in html


def test_the_filters_travel_in_the_url(admin, monitor, incident, user_with_role, areas):
    other = incident_factory(monitor, area=areas["ML0701"])
    html = page(admin, record=incident.reference)
    assert f"Incident {incident.reference}" in html
    assert f"Incident {other.reference}" not in html
    html = page(admin, action="incident.create", actor=monitor.pk)
    assert f"Incident {other.reference}" in html
    assert 'data-action="incident.create"' in html
    assert 'data-action="access.refused"' not in html
    html = page(admin, date_from="2000-01-01", date_to="2000-01-02")
    assert "No events." in html
    # the export link keeps the filters
    html = page(admin, record=incident.reference)
    assert f"{reverse('core:audit_xlsx')}?record={incident.reference}" in html


def test_the_log_is_paginated(admin, org, monitor, settings):
    settings.PASSERELLE_PAGE_SIZE = 2
    for _n in range(6):
        audit.record(monitor, "person.search", organisation=org)
    html = page(admin)
    assert 'rel="next"' in html
    assert html.count("data-action=") == 4


def test_the_log_exports_as_xlsx_audited(admin, incident, theirs, monitor):
    response = admin.get(reverse("core:audit_xlsx"), {"action": "incident.create"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("#", "When", "Who")
    assert any(f"Incident {incident.reference}" in row for row in rows[1:])
    assert all(theirs.reference not in str(row) for row in rows)
    assert any(monitor.display_name in row for row in rows[1:])
    assert any("Incident recorded" in row for row in rows[1:])
    event = AuditEvent.objects.filter(action="audit.export").get()
    assert event.actor == admin.user
    assert event.detail["filters"] == {"action": "incident.create"}


def test_an_empty_log_offers_no_export(admin):
    html = page(admin, date_from="2000-01-01", date_to="2000-01-02")
    assert reverse("core:audit_xlsx") not in html


@pytest.mark.parametrize("role", ["monitor", "viewer", "im_officer"])
def test_only_the_audit_holders_read_or_export_it(client_as, role):
    client = client_as(role)
    assert client.get(reverse("core:audit")).status_code == 403
    assert client.get(reverse("core:audit_xlsx")).status_code == 403


def test_a_refusal_names_what_was_asked_and_an_unknown_code_stays_readable():
    from passerelle.core.audit_view import action_label

    with translation.override("en"):
        refused = action_label("access.refused", {"action": "incident.view"})
        assert refused.startswith("Access refused: Open an incident")
        assert action_label("incident.edit") == "Change an incident's details"  # roles table
        assert action_label("something.new") == "Other event (something.new)"
