"""What partners shared with us exports as XLSX (core.exports): the records at the level the
disclosure gives, labels in the reader's language; the export is audited for the reader and,
in each owner's log, as `disclosure.export`."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.core.models import AuditEvent

from .test_sharing import hrd, protocol, share, sharer, summary  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_partner_exports_what_was_shared_and_the_owner_sees_it(
    summary,  # noqa: F811
    protocol,  # noqa: F811
    hrd,  # noqa: F811
    sharer,  # noqa: F811
    org,
    client_as,
    language,
):
    share(sharer, summary, protocol, hrd)
    client = client_as("verifier", hrd, language=language)
    page = client.get(reverse("sharing:received")).content.decode()
    assert reverse("sharing:received_xlsx") in page
    response = client.get(reverse("sharing:received_xlsx"))
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    with translation.override(language):
        assert rows[0][0] == translation.gettext("Reference")
        assert str(summary.get_verification_status_display()) in rows[1]
    assert [r[0] for r in rows[1:]] == [summary.reference]
    assert "Tassiga" not in str(rows)  # level 2: no narrative, no exact place
    mine = AuditEvent.objects.get(action="incident.export", actor=client.user)
    assert mine.detail["rows"] == 1
    owners = AuditEvent.objects.get(action="disclosure.export", organisation=org)
    assert owners.detail["incidents"] == [str(summary.public_id)]


def test_nothing_shared_nothing_exported(client_as, hrd):  # noqa: F811
    client = client_as("verifier", hrd)
    assert (
        reverse("sharing:received_xlsx")
        not in client.get(reverse("sharing:received")).content.decode()
    )
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(client.get(reverse("sharing:received_xlsx")).content)
        ).active.values
    )
    assert rows[1:] == []
    assert client_as("viewer", hrd).get(reverse("sharing:received_xlsx")).status_code == 403
