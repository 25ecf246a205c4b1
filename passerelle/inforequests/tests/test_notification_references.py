"""A request's subject and body (free text) never reach a notification or an e-mail: the
addressee is given the reference and follows the link, where the policy decides."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from passerelle.core import jobs, notify
from passerelle.core.models import Notification

pytestmark = pytest.mark.django_db

SUBJECT = "Déplacements signalés autour de Tassiga"
BODY = "Merci d'indiquer les familles arrivées à Ansongo cette semaine."


def test_a_new_request_notifies_and_mails_its_reference_only(
    world, ask, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(subject=SUBJECT, body=BODY)
    jobs.work()  # the worker sends the mail queued after the commit
    told = Notification.objects.filter(kind="request.received")
    assert told.exists()
    for note in told:
        stored = json.dumps(note.params, ensure_ascii=False)
        assert "Tassiga" not in stored and "Ansongo" not in stored
        assert note.params["reference"] == request.reference
        assert "Tassiga" not in notify.render(note.kind, note.params)
    assert mail.outbox
    for message in mail.outbox:
        assert request.reference in message.body
        for word in ("Tassiga", "Ansongo", "Déplacements"):
            assert word not in message.subject and word not in message.body
