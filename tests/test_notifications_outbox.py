"""Notifications carry references only, and their e-mail leaves after the commit.

notify() stores the notification and queues an OutgoingMail in the caller's transaction;
after the commit a `send_outbox` job is queued and the worker sends the mail (core.jobs):
never inside the transaction (where audit.record holds the log's lock), never in the request
that wrote it, never for a transaction that rolls back; what failed stays pending for the
scheduled `send_outbox` (also `manage.py send_outbox`).
"""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from passerelle.core import audit, jobs, notify
from passerelle.core.models import Notification, OutgoingMail

KIND = "protocol.activated"
PARAMS = {"protocol": "PROT-2026-0001"}


class Boom(Exception):
    pass


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.fixture
def reader(user_with_role):
    return user_with_role("viewer", language="en")


def _fail_sending(monkeypatch, calls=None):
    def send_mail(**kwargs):
        if calls is not None:
            calls.append(kwargs)
        raise smtplib.SMTPServerDisconnected("mail server away")

    monkeypatch.setattr(notify, "send_mail", send_mail)


def _make_due(mail_row) -> None:
    OutgoingMail.objects.filter(pk=mail_row.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


# --------------------------------------------------------------------------- after commit


@pytest.mark.django_db(transaction=True)
def test_no_mail_and_no_notification_when_the_transaction_rolls_back(reader):
    with pytest.raises(Boom), transaction.atomic():
        notify.notify([reader], KIND, PARAMS)
        raise Boom
    assert mail.outbox == []
    assert not Notification.objects.exists() and not OutgoingMail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_mail_is_sent_after_commit_and_not_before(reader):
    with transaction.atomic():
        assert notify.notify([reader], KIND, PARAMS) == 1
        assert mail.outbox == []  # still inside the transaction
    assert mail.outbox == []  # committed: handed to the worker, not sent by the writer
    jobs.work()
    assert [m.to for m in mail.outbox] == [[reader.email]]
    assert "PROT-2026-0001" in mail.outbox[0].body
    sent = OutgoingMail.objects.get()
    assert sent.status == OutgoingMail.Status.SENT and sent.attempts == 1 and sent.sent_at


@pytest.mark.django_db(transaction=True)
def test_mail_is_never_sent_while_an_audited_write_holds_its_transaction(reader, monkeypatch):
    """The slow mail server no longer serialises audited writes: sending happens outside
    every transaction (and so outside the audit log's advisory lock on PostgreSQL)."""
    seen = []

    def send_mail(**kwargs):
        seen.append(connection.in_atomic_block)
        return 1

    monkeypatch.setattr(notify, "send_mail", send_mail)

    @audit.service
    def audited_write():
        audit.record(reader, "test.event")
        notify.notify([reader], KIND, PARAMS)
        assert seen == []

    audited_write()
    assert seen == []  # the writer returned without waiting for the mail server
    jobs.work()
    assert seen == [False]


@pytest.mark.django_db(transaction=True)
def test_a_failure_leaves_the_mail_pending_for_send_outbox(reader, monkeypatch):
    calls = []
    _fail_sending(monkeypatch, calls)
    with transaction.atomic():
        notify.notify([reader], KIND, PARAMS)
    jobs.work()
    assert len(calls) == 1  # tried once, after the commit, without raising into the caller
    pending = OutgoingMail.objects.get()
    assert pending.status == OutgoingMail.Status.PENDING
    assert pending.attempts == 1 and pending.last_error == "SMTPServerDisconnected"
    assert pending.next_attempt_at > timezone.now()  # backs off
    # not due yet: the command leaves it
    call_command("send_outbox", stdout=_Sink())
    assert len(calls) == 1
    # the mail server is back, the mail is due
    monkeypatch.undo()
    _make_due(pending)
    out = _Sink()
    with translation.override("en"):
        call_command("send_outbox", stdout=out)
    assert "1 e-mail(s) sent" in out.text and "0 waiting" in out.text
    assert [m.to for m in mail.outbox] == [[reader.email]]
    pending.refresh_from_db()
    assert pending.status == OutgoingMail.Status.SENT and pending.attempts == 2


@pytest.mark.django_db
def test_a_mail_that_keeps_failing_is_given_up_after_max_attempts(reader, monkeypatch):
    _fail_sending(monkeypatch)
    notify.notify([reader], KIND, PARAMS)  # inside the test's transaction: not sent yet
    row = OutgoingMail.objects.get()
    assert row.status == OutgoingMail.Status.PENDING and row.attempts == 0
    for _ in range(notify.MAX_ATTEMPTS):
        _make_due(row)
        notify.send_outbox()
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.FAILED
    assert row.attempts == notify.MAX_ATTEMPTS
    _make_due(row)
    assert notify.send_outbox() == {"sent": 0, "failed": 0, "cancelled": 0}


@pytest.mark.django_db
def test_two_senders_never_send_the_same_mail(reader):
    notify.notify([reader], KIND, PARAMS)
    row = OutgoingMail.objects.get()
    now = timezone.now()
    assert notify._claim(row.pk, now) is True
    assert notify._claim(row.pk, now) is False  # the other sender finds it leased
    assert notify.send_outbox() == {"sent": 0, "failed": 0, "cancelled": 0}
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_recipient_without_an_address_any_more_is_cancelled(reader):
    notify.notify([reader], KIND, PARAMS)
    reader.email = ""
    reader.save()
    assert notify.send_outbox() == {"sent": 0, "failed": 0, "cancelled": 1}
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.CANCELLED
    assert mail.outbox == []


@pytest.mark.django_db
def test_muted_notifications_queue_no_mail(reader):
    with notify.mail_muted():
        notify.notify([reader], KIND, PARAMS)
    assert Notification.objects.count() == 1
    assert not OutgoingMail.objects.exists()


@pytest.mark.django_db
def test_the_mail_is_written_in_the_recipient_language(user_with_role):
    french = user_with_role("viewer", language="fr")
    notify.notify([french], "protocol.suspended", PARAMS)
    notify.send_outbox()
    with translation.override("fr"):
        expected = notify.render("protocol.suspended", PARAMS)
    assert mail.outbox[0].body.startswith(expected)


# --------------------------------------------------------------------------- references only


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["subject", "text", "note", "narrative", "full_name"])
def test_free_text_parameters_are_refused(reader, name):
    with pytest.raises(ValueError, match="references only"):
        notify.notify([reader], KIND, {**PARAMS, name: "Une phrase libre"})
    assert not Notification.objects.exists()


def test_every_message_uses_reference_parameters_only():
    """Every registered message (core and the apps') names only allowed parameters."""
    import re

    from django.apps import apps  # noqa: F401 - apps are ready: their messages are registered

    assert len(notify.MESSAGES) > 15
    for kind, template in notify.MESSAGES.items():
        names = set(re.findall(r"%\((\w+)\)s", str(template)))
        assert names <= notify.PARAMETERS, (kind, names - notify.PARAMETERS)
