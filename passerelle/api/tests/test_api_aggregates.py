"""The aggregate table of the API is the statistics page's: the same function, small cells
suppressed, audited as the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import incident_factory
from passerelle.sharing import aggregates
from passerelle.vocabularies.models import Term

from .apikit import api_client

pytestmark = pytest.mark.django_db


def test_the_table_is_the_pages_with_small_cells_suppressed(monitor, areas, user_with_role):
    adult = Term.objects.get(vocabulary="age_group", code="18_59")
    incident_factory(monitor, area=areas["ML0701"], victim_counts={("f", adult): 2})
    incident_factory(monitor, area=areas["ML0701"], victim_counts={("m", adult): 9})
    incident_factory(monitor, area=areas["ML0101"], victim_counts={("m", adult): 12})
    officer = user_with_role("im_officer")
    params = {"purpose": "analysis", "rows": "area", "columns": "sex"}
    before = AuditEvent.objects.filter(action="aggregate.view").count()
    body = api_client(officer).get(reverse("api:aggregates"), params).json()
    assert AuditEvent.objects.filter(action="aggregate.view").count() == before + 1
    expected = aggregates.build(officer, purpose="analysis", rows="area", columns="sex")
    cells = [[c["value"] for c in line] for line in body["cells"]]
    assert cells == [
        [None if c.suppressed else c.value for c in line] for line in expected.table.cells
    ]
    values = [c["value"] for line in body["cells"] for c in line if not c["suppressed"]]
    assert 2 not in values  # the two women of one incident are never shown
    assert any(c["suppressed"] for line in body["cells"] for c in line)
    assert body["k"] == expected.k >= 5
