"""What a request asks and its answer are encrypted at rest; the policy opens them for the
readers of the request (the answer only for those who may see it)."""

from __future__ import annotations

import pytest
from django.db import connection

from passerelle.core import crypto

from .. import services

pytestmark = pytest.mark.django_db

ASKED = "Merci de partager les chiffres des PDI de Xylophonia par cercle pour le rapport."
ANSWERED = "Trois incidents en mars à Zorbalandia."


def _column(column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM inforequests_request")  # noqa: S608
        return [str(row[0]) for row in cursor.fetchall() if row[0] not in (None, "")]


@pytest.fixture
def detailed(world, ask, protocol, disclose):
    request = ask(level=2, data_category="hr", subject="Incidents de VBG à Ansongo", body=ASKED)
    services.answer_request(
        world["fp"],
        request,
        answer=ANSWERED,
        answer_level=2,
        disclosures=[disclose(protocol, world["hrd"])],
    )
    return request


def test_the_body_and_the_answer_are_not_stored_in_clear(detailed):
    for column, word in (("body", "Xylophonia"), ("answer", "Zorbalandia")):
        stored = _column(column)
        assert stored and all(v.startswith(crypto.PREFIX) for v in stored)
        assert not any(word in v for v in stored)
    assert _column("subject") == ["Incidents de VBG à Ansongo"]  # the subject stays in clear


@pytest.mark.parametrize(
    "who, sees_body, sees_answer",
    [
        ("asker", True, True),
        ("fp", True, True),
        ("sister", True, False),  # a detailed answer is for the asker only
        ("outsider", False, False),
    ],
)
def test_the_detail_page_opens_what_the_reader_may_read(
    world, detailed, client_for, who, sees_body, sees_answer
):
    response = client_for(world[who]).get(f"/requests/{detailed.public_id}/")
    assert response.status_code == (200 if sees_body else 404)
    page = response.content.decode()
    assert ("Xylophonia" in page) is sees_body
    assert ("Zorbalandia" in page) is sees_answer
    assert "[protected]" not in page


def test_an_earlier_answer_is_copied_in_clear_and_sealed_again(world, ask, detailed):
    again = ask(level=2, data_category="hr", subject="Incidents de VBG à Ansongo", body=ASKED)
    services.answer_with_earlier(world["fp"], again, earlier=detailed)
    again.refresh_from_db()
    assert again.answer.reveal() == ANSWERED
    assert again.answer.token != detailed.answer.token  # bound to its own row


def _events(action, organisation):
    from passerelle.core.models import AuditEvent

    return AuditEvent.objects.filter(action=action, organisation=organisation)


def test_opening_a_confidential_answer_is_audited_under_the_addressee(
    world, ask, protocol, disclose, client_for
):
    request = ask(level=3, data_category="hr", subject="Cas de VBG à Ansongo", body=ASKED)
    services.answer_request(
        world["fp"],
        request,
        answer=ANSWERED,
        answer_level=3,
        disclosures=[disclose(protocol, world["hrd"])],
    )
    before = _events("request.read", world["unhcr"]).count()
    page = client_for(world["asker"]).get(f"/requests/{request.public_id}/").content.decode()
    assert "Zorbalandia" in page
    reads = _events("request.read", world["unhcr"])
    assert reads.count() == before + 1
    assert reads.last().actor == world["asker"] and reads.last().level == 3


def test_a_detailed_answer_below_level_3_is_not_a_confidential_read(world, detailed, client_for):
    client_for(world["asker"]).get(f"/requests/{detailed.public_id}/")
    assert not _events("request.read", world["unhcr"]).exists()


def test_an_outsider_refused_a_request_is_seen_in_both_organisations_logs(
    world, detailed, client_for
):
    response = client_for(world["outsider"]).get(f"/requests/{detailed.public_id}/")
    assert response.status_code == 404
    for organisation in (world["hrd"], world["unhcr"]):
        refused = _events("access.refused", organisation).filter(actor=world["outsider"])
        assert refused.exists(), organisation


def test_a_confidential_answer_is_not_opened_for_a_reader_not_verified_with_two_factors(
    world, ask, protocol, disclose
):
    """An API token created without two factors makes its user say `is_verified() == False`
    (policy.ceiling: level 2 at most): the level-3 answer stays closed, unaudited, while what
    was asked is still read."""
    from passerelle.policy.inforequests import request_texts

    request = ask(level=3, data_category="hr", subject="Cas de VBG à Ansongo", body=ASKED)
    services.answer_request(
        world["fp"],
        request,
        answer=ANSWERED,
        answer_level=3,
        disclosures=[disclose(protocol, world["hrd"])],
    )
    asker = world["asker"]
    before = _events("request.read", world["unhcr"]).count()
    asker.is_verified = lambda: False
    assert request_texts(asker, request) == {"body": ASKED}
    assert _events("request.read", world["unhcr"]).count() == before
    asker.is_verified = lambda: True
    assert request_texts(asker, request)["answer"] == ANSWERED
    assert _events("request.read", world["unhcr"]).count() == before + 1
