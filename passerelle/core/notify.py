"""Notify users, in their own language, on the site and by e-mail.

Messages are stored as a kind and parameters, and rendered with the reader's language
when shown: no personal data and no free text in the parameters (references, acronyms,
dates, choice values only — `PARAMETERS` lists the names allowed; a request's subject, a
note or a narrative never goes into a notification or an e-mail).

E-mail goes through an outbox: `notify()` stores the notification and queues an
`OutgoingMail` row in the caller's transaction; once the transaction commits
(`transaction.on_commit`) a `send_outbox` job for those mails is put in the job queue and
the worker (`manage.py run_jobs`, core.jobs) sends them: never while the transaction — and
the audit log's lock — is held, never for a transaction that rolls back, and never in the
request that wrote them (a slow mail server does not hold up a page). What could not be
sent stays pending for the `send_outbox` job that the scheduler runs every minute (also
`manage.py send_outbox`), which retries with a back-off. The outbox stays the record.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Notification, OutgoingMail
from .names import in_reader_language

logger = logging.getLogger(__name__)

# kind -> message (with %(name)s parameters)
MESSAGES = {
    "disclosure.received": _(
        "%(owner)s shared incident %(reference)s with your organisation at level %(level)s "
        "for %(purpose)s."
    ),
    "disclosure.revoked": _(
        "Incident %(reference)s shared by %(owner)s is no longer available to you: %(reason)s."
    ),
    "protocol.suspended": _(
        "Protocol %(protocol)s was suspended: records shared under it are no longer available."
    ),
    "protocol.expired": _(
        "Protocol %(protocol)s has expired: records shared under it are no longer available."
    ),
    "protocol.approval_needed": _("Protocol %(protocol)s awaits your organisation's approval."),
    "protocol.activated": _("Protocol %(protocol)s is now in force."),
    "breakglass.used": _(
        "%(user)s used break-glass access on incident %(reference)s; please review it."
    ),
    "job.failed": _(
        "The scheduled job %(job)s failed on %(on)s after every retry; see Scheduled jobs."
    ),
}

# The only parameter names a notification may carry: references, acronyms, user names of
# staff, dates, numbers and choice values. Free text (a request's subject, a note, a
# narrative) is refused: the reader follows the link and the policy decides what they see.
PARAMETERS = frozenset(
    {
        "reference",  # incident, referral, request reference
        "protocol",  # protocol reference
        "owner",  # organisation acronym
        "asker",
        "addressee",
        "sender",
        "provider",
        "org",
        "body",  # coordination body acronym
        "service",  # name of a service in the directory
        "user",  # a staff member's user name
        "level",
        "purpose",  # choice values
        "reason",
        "decline_reason",
        "request_status",
        "referral_status",
        "urgency",
        "due",  # dates
        "on",
        "job",  # a scheduled job's name (core.jobs)
    }
)


# parameter name -> choices class whose label is shown (registered by the apps that own them).
# A name used by two apps with different choices is registered with the family of the kind
# in front ("referral.decline_reason", "request.decline_reason"), which is looked up first.
LABELS: dict = {}

# parameters holding an ISO date, shown in the reader's date format
DATES = frozenset({"due", "on"})

LANGUAGES = frozenset({"fr", "en"})


def bilingual(french: str, english: str = "") -> dict:
    """A name kept in both languages (a service's name): the reader's one is shown."""
    return {"fr": french, "en": english or french}


def _word(kind: str, key: str, value):
    """One parameter as the reader reads it, in the active language."""
    if isinstance(value, dict) and value and set(value) <= LANGUAGES:
        return in_reader_language(value.get("fr", ""), value.get("en", ""))
    if key in DATES and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    choices = LABELS.get(f"{kind.split('.', 1)[0]}.{key}") or LABELS.get(key)
    if choices is None:
        return value
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def render(kind: str, params: dict) -> str:
    """The notification's words in the active language (its kind and parameters are stored;
    the words are made when it is shown or e-mailed)."""
    template = MESSAGES.get(kind)
    if template is None:
        return kind
    shown = {key: _word(kind, key, value) for key, value in params.items()}
    try:
        return str(template) % shown
    except (KeyError, TypeError, ValueError):
        return str(template)


def language_of(user) -> str:
    """The language a user reads their mail in: their preference, else the site's."""
    language = getattr(user, "language", "") or ""
    return language if language in LANGUAGES else settings.LANGUAGE_CODE[:2]


_muted = contextvars.ContextVar("passerelle_mail_muted", default=False)


@contextlib.contextmanager
def mail_muted():
    """Store notifications but send no e-mail (loading demonstration data)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def check_params(params: dict) -> None:
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise ValueError(
            f"Notification parameters {unknown} are not references: a notification carries "
            "references only (core.notify.PARAMETERS)."
        )


def notify(users, kind: str, params: dict | None = None, url: str = "") -> int:
    """Store a notification for each user; queue an e-mail for those with an address,
    sent once the caller's transaction commits."""
    params = params or {}
    check_params(params)
    muted = _muted.get()
    stored = 0
    queued = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        notification = Notification.objects.create(
            recipient=user, kind=kind, params=params, url=url
        )
        if user.email and not muted:
            queued.append(OutgoingMail.objects.create(notification=notification).pk)
        stored += 1
    if queued:
        transaction.on_commit(lambda: _enqueue_sending(queued), robust=True)
    return stored


def _enqueue_sending(ids: list) -> None:
    """After the commit: hand the mails to the worker (core.jobs). Should the queue refuse,
    they stay pending for the scheduled `send_outbox` run, a minute later at most."""
    from .jobs import enqueue_now, hold_mail

    if hold_mail(ids):  # inside a job: one send when the job ends
        return
    try:
        enqueue_now("send_outbox", trigger="event", ids=list(ids))
    except Exception:  # noqa: BLE001 - the outbox keeps the mail; the schedule sends it
        logger.warning("Mail %s left for the scheduled send_outbox run", ids, exc_info=True)


# --------------------------------------------------------------------------- the outbox

MAX_ATTEMPTS = 6
LEASE = dt.timedelta(minutes=10)  # a sender's claim on a mail while it sends it


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 240))


def _claim(mail_id: int, now) -> bool:
    """Take one pending mail for sending (no other sender sends it meanwhile)."""
    claimed = (
        OutgoingMail.objects.filter(pk=mail_id, status=OutgoingMail.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + LEASE)
    )
    return claimed == 1


def _send_one(mail: OutgoingMail) -> str:
    notification = mail.notification
    user = notification.recipient
    now = timezone.now()
    if not (user.is_active and user.email):
        OutgoingMail.objects.filter(pk=mail.pk).update(
            status=OutgoingMail.Status.CANCELLED, next_attempt_at=None
        )
        return "cancelled"
    attempts = mail.attempts + 1
    try:
        with translation.override(language_of(user)):
            text = render(notification.kind, notification.params)
            send_mail(
                subject=f"[Passerelle] {text[:80]}",
                message=text + ("\n\n" + notification.url if notification.url else ""),
                from_email=None,
                recipient_list=[user.email],
                fail_silently=False,
            )
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server: retry later
        failed = attempts >= MAX_ATTEMPTS
        OutgoingMail.objects.filter(pk=mail.pk).update(
            attempts=attempts,
            status=OutgoingMail.Status.FAILED if failed else OutgoingMail.Status.PENDING,
            next_attempt_at=None if failed else now + _backoff(attempts),
            last_error=type(exc).__name__[:200],
        )
        logger.warning("Mail %s not sent (attempt %s): %s", mail.pk, attempts, type(exc).__name__)
        return "failed"
    OutgoingMail.objects.filter(pk=mail.pk).update(
        attempts=attempts,
        status=OutgoingMail.Status.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
    )
    return "sent"


def send_outbox(ids=None, limit: int = 500) -> dict:
    """Send pending mail (those `ids`, or every one due); each is claimed first, so two
    senders never send the same mail. Returns counts: sent, failed (pending again for a
    retry, or failed for good after MAX_ATTEMPTS), cancelled (no address any more)."""
    now = timezone.now()
    pending = OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    counts = {"sent": 0, "failed": 0, "cancelled": 0}
    for mail_id in list(pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit]):
        if not _claim(mail_id, now):
            continue
        mail = OutgoingMail.objects.select_related("notification__recipient").get(pk=mail_id)
        counts[_send_one(mail)] += 1
    return counts


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
