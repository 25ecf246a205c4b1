"""Writes of the requests register: file (after the policy's checks and a look at earlier
requests), route to the addressee's focal point, acknowledge, answer, decline, answer with an
earlier answer, close, withdraw, remind. Every write is audited; refusals too.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passerelle import policy
from passerelle.core import audit, sequences
from passerelle.core.errors import DomainError, Refused
from passerelle.core.fields import reveal
from passerelle.core.guard import unscoped
from passerelle.core.notify import notify
from passerelle.directory.services import route
from passerelle.geography.models import Area
from passerelle.policy import inforequests as rules

from . import similarity
from .models import DeclineReason, Request, RequestEvent, Reuse

MESSAGES = {
    "request.received": gettext_lazy(
        "%(asker)s sent your organisation request %(reference)s, to answer by %(due)s."
    ),
    "request.answered": gettext_lazy("%(addressee)s answered request %(reference)s."),
    "request.declined": gettext_lazy(
        "%(addressee)s declined request %(reference)s: %(decline_reason)s."
    ),
    "request.acknowledged": gettext_lazy("%(addressee)s acknowledged request %(reference)s."),
    "request.due": gettext_lazy("Request %(reference)s from %(asker)s is due on %(due)s."),
    "request.overdue": gettext_lazy(
        "Request %(reference)s from %(asker)s was due on %(due)s and is still %(request_status)s."
    ),
    "request.withdrawn": gettext_lazy("%(asker)s withdrew request %(reference)s."),
}

# Days given to answer when the asker names no date, by kind.
DEFAULT_DAYS = {Request.Kind.INFORMATION: 10, Request.Kind.ACTION: 7}


class RequestRefused(Refused):
    pass


def _url(request: Request) -> str:
    return f"/requests/{request.public_id}/"


def _event(request, actor, kind, note=""):
    RequestEvent.objects.create(request=request, actor=actor, kind=kind, note=note[:500])


def _answerers(organisation) -> list:
    return policy.holders(organisation, "request.answer")


def _handlers(request: Request) -> list:
    """Who is told about a request on the addressee's side: the person it is routed to, or
    everyone who answers requests for the addressee."""
    return [request.assignee] if request.assignee_id else _answerers(request.addressee)


def _next_reference() -> str:
    year = timezone.localdate().year
    prefix = f"RQ-{year}-"
    return sequences.next_reference(prefix=prefix, width=4, model=Request)


# --------------------------------------------------------------------------- suggestions


def suggestions(user, draft: similarity.Draft, *, limit: int = 5, exclude=None):
    """Earlier requests the user may read that ask the same thing as the draft, best first.

    Only what the ranking needs is read for every candidate (no model objects: building them
    cost three quarters of the time at 20,000 requests, bench/bench_suggestions.py); the
    requests shown are then loaded whole."""
    candidates = rules.scope_requests(user)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    # Only requests that can match: the same place, or one within the other (the areas are
    # looked up first, so that the database filters on the request's own area column).
    pcode = draft.area_pcode
    prefixes = [pcode[:i] for i in range(2, len(pcode) + 1)]
    if len(pcode) > 2:  # the whole country matches every place
        areas = Area.objects.filter(Q(pcode__in=prefixes) | Q(pcode__startswith=pcode))
        candidates = candidates.filter(area_id__in=list(areas.values_list("pk", flat=True)))
    candidates = candidates.exclude(
        status=Request.Status.DECLINED, decline_reason=DeclineReason.DUPLICATE
    )
    # And overlapping periods (a missing end overlaps everything), as similarity.rank gates.
    if draft.period_end is not None:
        candidates = candidates.filter(
            Q(period_start__isnull=True) | Q(period_start__lte=draft.period_end)
        )
    if draft.period_start is not None:
        candidates = candidates.filter(
            Q(period_end__isnull=True) | Q(period_end__gte=draft.period_start)
        )
    rows = candidates.order_by().values_list(  # ranked below: no sort needed
        "pk",
        "terms",
        "thematic_area_id",
        "data_category",
        "area__pcode",
        "period_start",
        "period_end",
    )
    pool = [
        similarity.Draft(
            terms=terms,  # kept by file_request (and migration 0002 for older requests)
            thematic_area=theme,
            data_category=category,
            area_pcode=area,
            period_start=start,
            period_end=end,
            key=pk,
        )
        for pk, terms, theme, category, area, start, end in rows
    ]
    found = similarity.rank(draft, pool, limit=limit)
    if not found:
        return []
    shown = (
        rules.scope_requests(user)
        .filter(pk__in=[s.candidate for s in found])
        .select_related("asker", "addressee", "thematic_area", "area")
        .defer("area__geometry")  # boundaries weigh hundreds of kilobytes
        .in_bulk()
    )
    return [replace(s, candidate=shown[s.candidate]) for s in found if s.candidate in shown]


# --------------------------------------------------------------------------- filing


def _record_refusal(actor, asker, addressee, level, purpose, data_category, codes) -> None:
    policy.record_refusal(
        actor,
        "request.refused",
        None,
        organisation=asker,
        level=level,
        detail={
            "addressee": getattr(addressee, "acronym", None),
            "purpose": purpose,
            "category": data_category,
            "reasons": codes,
        },
    )


def refuse_request(
    actor,
    *,
    asker=None,
    addressee=None,
    kind: str = "information",
    data_category: str = "",
    level: int = 1,
    purpose: str = "",
    area=None,
    subject: str = "",
    body: str = "",
    **_other,
) -> list:
    """A request that asks what is never given (a forbidden purpose, identities) but whose
    form is incomplete: judged by the policy on what it holds and its refusal recorded as
    `file_request` records it. Returns the reasons (empty: nothing to refuse)."""
    reasons, codes, _protocol = rules.assess_request(
        actor,
        asker=asker,
        addressee=addressee,
        kind=kind,
        data_category=data_category or "",
        level=int(level or 0),
        purpose=purpose or "",
        area=area,
        texts=[subject or "", body or ""],
    )
    if reasons:
        _record_refusal(actor, asker, addressee, level, purpose, data_category, codes)
    return reasons


@audit.service
def file_request(
    actor,
    *,
    asker,
    addressee,
    kind: str,
    thematic_area,
    data_category: str,
    level: int,
    purpose: str,
    area,
    period_start: dt.date | None,
    period_end: dt.date | None,
    subject: str,
    body: str,
    due_on: dt.date | None = None,
) -> Request:
    """File a request after the policy's checks; route it to the addressee's focal point for
    the thematic area and area (or to all who answer for the addressee) and tell them."""
    today = timezone.localdate()
    level = int(level)
    if period_start and period_end and period_end < period_start:
        raise DomainError(_("The period ends before it starts."), field="period_end")
    if due_on is not None and due_on < today:
        raise DomainError(_("The answer cannot be needed by a date already past."), field="due_on")
    if not subject.strip():
        raise DomainError(_("Give the request a subject."), field="subject")
    reasons, codes, protocol = rules.assess_request(
        actor,
        asker=asker,
        addressee=addressee,
        kind=kind,
        data_category=data_category,
        level=level,
        purpose=purpose,
        area=area,
        texts=[subject, body],
    )
    if reasons:
        _record_refusal(actor, asker, addressee, level, purpose, data_category, codes)
        raise RequestRefused(reasons, codes)
    request = Request(
        reference=_next_reference(),
        kind=kind,
        asker=asker,
        asked_by=actor,
        addressee=addressee,
        thematic_area=thematic_area,
        data_category=data_category,
        level=level,
        purpose=purpose,
        area=area,
        period_start=period_start,
        period_end=period_end,
        subject=subject.strip(),
        body=body.strip(),
        due_on=due_on or today + dt.timedelta(days=DEFAULT_DAYS.get(kind, 10)),
        protocol=protocol,
        terms=similarity.request_terms(subject, body),
    )
    focal_point = route(addressee, thematic_area, area)
    if focal_point is not None:
        request.focal_point = focal_point
        request.assignee = _active(focal_point.user) or _active(focal_point.deputy)
    request.save()
    _event(request, actor, RequestEvent.Kind.CREATED)
    _event(
        request,
        None,
        RequestEvent.Kind.ROUTED,
        # Empty: no focal point (RequestEvent.note_display words it in the reader's language).
        note=f"{focal_point.name} ({focal_point.thematic_area.code})" if focal_point else "",
    )
    audit.record(
        actor,
        "request.filed",
        request,
        organisation=asker,
        level=level,
        detail={
            "reference": request.reference,
            "addressee": addressee.acronym,
            "purpose": purpose,
            "category": data_category,
            "protocol": protocol.reference if protocol else None,
            "routed_to": focal_point.public_id if focal_point else None,
        },
    )
    notify(
        _handlers(request),
        "request.received",
        {
            "asker": asker.acronym,
            "reference": request.reference,
            "due": request.due_on.isoformat(),
        },
        url=_url(request),
    )
    return request


def _active(user):
    return user if user is not None and user.is_active else None


@audit.service
def reuse_request(actor, earlier: Request, *, organisation, subject: str = "") -> Reuse:
    """The asker takes an earlier request instead of filing a new one (a duplicate avoided)."""
    if organisation.pk not in {o.pk for o in policy.organisations(actor, "request.create")}:
        raise DomainError(_("You may not ask on behalf of this organisation."))
    if rules.relation(actor, earlier) is None:
        rules.refuse_outsider(actor, earlier)
    reuse = Reuse.objects.create(
        request=earlier, organisation=organisation, user=actor, subject=subject[:200]
    )
    audit.record(
        actor,
        "request.reused",
        earlier,
        organisation=organisation,
        detail={"reference": earlier.reference},
    )
    return reuse


# --------------------------------------------------------------------------- answering


def _require_answerer(actor, request: Request) -> None:
    if not rules.may_answer(actor, request):
        rules.refuse_outsider(actor, request)


def _require_status(request: Request, allowed) -> None:
    if request.status not in allowed:
        raise DomainError(
            _("This request is %(status)s: it cannot be changed this way.")
            % {"status": request.get_status_display().lower()}
        )


@audit.service
def acknowledge_request(actor, request: Request, *, assignee=None) -> Request:
    _require_answerer(actor, request)
    _require_status(request, [Request.Status.OPEN, Request.Status.ACKNOWLEDGED])
    if assignee is not None:
        if not policy.holds_in(assignee, "request.answer", request.addressee_id):
            raise DomainError(
                _("%(user)s does not answer requests for %(org)s.")
                % {
                    "user": assignee.get_full_name() or assignee.username,
                    "org": request.addressee.acronym,
                },
                field="assignee",
            )
        request.assignee = assignee
    first = request.status == Request.Status.OPEN
    request.status = Request.Status.ACKNOWLEDGED
    request.acknowledged_at = request.acknowledged_at or timezone.now()
    request.save()
    _event(request, actor, RequestEvent.Kind.ACKNOWLEDGED)
    audit.record(actor, "request.acknowledged", request, organisation=request.addressee)
    if first and request.asked_by_id:
        notify(
            [request.asked_by],
            "request.acknowledged",
            {"addressee": request.addressee.acronym, "reference": request.reference},
            url=_url(request),
        )
    return request


def statistics_path() -> str:
    try:
        return reverse("sharing:aggregates")
    except NoReverseMatch:  # pragma: no cover - the sharing app is always installed
        return "/sharing/statistics/"


def _check_link(link: str) -> str:
    """Only a statistics page of this site: the asker opens it with their own rights."""
    link = (link or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    # the path as the browser will resolve it ("/sharing/aggregates/../../admin/" is not a
    # statistics page)
    path = posixpath.normpath(unquote(parts.path)) + "/"
    if parts.scheme or parts.netloc or "\\" in link or not path.startswith(statistics_path()):
        raise DomainError(
            _("Link only to a statistics page of Passerelle (it starts with %(path)s).")
            % {"path": statistics_path()},
            field="answer_link",
        )
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _check_disclosures(actor, request: Request, disclosures) -> list:
    """Records shared in answer: disclosures in effect, made by the addressee to the asker."""
    from passerelle.sharing.models import Disclosure

    ids = [d.pk for d in disclosures]
    if not ids:
        return []
    with unscoped():  # disclosures are guarded; checked here against the request
        found = list(
            Disclosure.objects.filter(
                pk__in=ids, owner=request.addressee, recipient=request.asker, **policy.live_filter()
            )
        )
    if len(found) != len(set(ids)):
        raise DomainError(
            _(
                "Only records your organisation has shared with %(org)s, still in effect, can "
                "be given in answer. Share them first, under the protocol."
            )
            % {"org": request.asker.acronym},
            field="answer_disclosures",
        )
    return found


def _answer(actor, request, *, answer, answer_level, answer_link, disclosures, kind, note=""):
    answer_level = int(answer_level)
    if not answer.strip() and not answer_link and not disclosures:
        raise DomainError(_("Write the answer, or give a link or shared records."), field="answer")
    if answer_level > request.level:
        raise DomainError(
            _("The answer cannot be more detailed than what was asked (level %(level)s).")
            % {"level": request.level},
            field="answer_level",
        )
    if answer_level > rules.AGGREGATE_LEVEL and (
        request.protocol is None or not request.protocol.in_force()
    ):
        raise DomainError(
            _(
                "The protocol this request relied on is no longer in force: answer with "
                "aggregate figures (level 0–1) only."
            ),
            field="answer_level",
        )
    link = _check_link(answer_link)
    shared = _check_disclosures(actor, request, disclosures)
    request.answer = answer.strip()
    request.answer_level = answer_level
    request.answer_link = link
    request.status = Request.Status.ANSWERED
    request.answered_at = timezone.now()
    request.answered_by = actor
    request.save()
    with unscoped():  # set() reads the current links through the guarded manager
        request.answer_disclosures.set(shared)
    _event(request, actor, kind, note=note)
    audit.record(
        actor,
        "request.answered",
        request,
        organisation=request.addressee,
        level=answer_level,
        detail={
            "reference": request.reference,
            "asker": request.asker.acronym,
            "disclosures": [str(d.public_id) for d in shared],
            "link": bool(link),
            "duplicate_of": request.duplicate_of.reference if request.duplicate_of_id else None,
        },
    )
    notify(
        [request.asked_by] if request.asked_by_id else [],
        "request.answered",
        {"addressee": request.addressee.acronym, "reference": request.reference},
        url=_url(request),
    )
    return request


@audit.service
def answer_request(
    actor,
    request: Request,
    *,
    answer: str,
    answer_level: int,
    answer_link: str = "",
    disclosures=(),
) -> Request:
    _require_answerer(actor, request)
    _require_status(request, [Request.Status.OPEN, Request.Status.ACKNOWLEDGED])
    return _answer(
        actor,
        request,
        answer=answer,
        answer_level=answer_level,
        answer_link=answer_link,
        disclosures=list(disclosures),
        kind=RequestEvent.Kind.ANSWERED,
    )


@audit.service
def answer_with_earlier(actor, request: Request, *, earlier: Request) -> Request:
    """Answer a request that repeats an earlier one with the earlier answer (what was said,
    and the statistics link; never the records shared with the earlier asker)."""
    _require_answerer(actor, request)
    _require_status(request, [Request.Status.OPEN, Request.Status.ACKNOWLEDGED])
    # Only an answer the same addressee gave: relaying what another organisation answered
    # would pass its information on to a third party outside its own protocols.
    if (
        earlier.pk == request.pk
        or earlier.addressee_id != request.addressee_id
        or rules.relation(actor, earlier) != "addressee"
    ):
        raise DomainError(_("Choose an earlier request your organisation received and answered."))
    if earlier.status not in (Request.Status.ANSWERED, Request.Status.CLOSED) or not (
        earlier.answer or earlier.answer_link
    ):
        raise DomainError(_("The earlier request has no answer yet."))
    # The earlier answer keeps its level: an answer written at level 2 is not an aggregate
    # because the new request asks for one (_answer refuses it above the level asked).
    request.duplicate_of = earlier
    level = earlier.answer_level if earlier.answer_level is not None else rules.AGGREGATE_LEVEL
    return _answer(
        actor,
        request,
        answer=reveal(earlier.answer),
        answer_level=level,
        answer_link=earlier.answer_link,
        disclosures=[],
        kind=RequestEvent.Kind.DUPLICATE,
        note=earlier.reference,
    )


@audit.service
def decline_request(actor, request: Request, *, reason: str, note: str = "") -> Request:
    _require_answerer(actor, request)
    _require_status(request, [Request.Status.OPEN, Request.Status.ACKNOWLEDGED])
    if reason not in DeclineReason.values:
        raise DomainError(_("Say why the request is declined."), field="decline_reason")
    if reason == DeclineReason.OTHER and not note.strip():
        raise DomainError(_("Explain the reason."), field="decline_note")
    request.status = Request.Status.DECLINED
    request.decline_reason = reason
    request.decline_note = note.strip()[:500]
    request.closed_at = timezone.now()
    request.save()
    _event(request, actor, RequestEvent.Kind.DECLINED, note=reason)
    audit.record(
        actor,
        "request.declined",
        request,
        organisation=request.addressee,
        detail={"reference": request.reference, "reason": reason},
    )
    notify(
        [request.asked_by] if request.asked_by_id else [],
        "request.declined",
        {
            "addressee": request.addressee.acronym,
            "reference": request.reference,
            "decline_reason": reason,
        },
        url=_url(request),
    )
    return request


@audit.service
def close_request(actor, request: Request, *, note: str = "") -> Request:
    """The asker closes an answered request, or withdraws an open one."""
    if not rules.may_follow_up(actor, request):
        rules.refuse_outsider(actor, request)
    pending = request.is_pending
    _require_status(
        request,
        [Request.Status.OPEN, Request.Status.ACKNOWLEDGED, Request.Status.ANSWERED],
    )
    request.status = Request.Status.CLOSED
    request.closed_at = timezone.now()
    request.save()
    _event(
        request, actor, RequestEvent.Kind.CLOSED, note=note or (_("withdrawn") if pending else "")
    )
    audit.record(
        actor,
        "request.withdrawn" if pending else "request.closed",
        request,
        organisation=request.asker,
        detail={"reference": request.reference},
    )
    if pending:
        notify(
            _handlers(request),
            "request.withdrawn",
            {"asker": request.asker.acronym, "reference": request.reference},
            url=_url(request),
        )
    return request


# --------------------------------------------------------------------------- follow-up


def remind_requests(today: dt.date | None = None, *, days_before: int = 1) -> dict:
    """Tell the addressee's side about requests due tomorrow and overdue ones, once a day
    per request (idempotent)."""
    today = today or timezone.localdate()
    sent = Counter()
    with unscoped():
        pending = list(
            Request.objects.pending()
            .filter(due_on__lte=today + dt.timedelta(days=days_before))
            .exclude(reminded_on=today)
            .select_related("asker", "addressee", "assignee")
        )
    for request in pending:
        late = request.due_on < today
        kind = "request.overdue" if late else "request.due"
        notify(
            _handlers(request),
            kind,
            {
                "reference": request.reference,
                "asker": request.asker.acronym,
                "due": request.due_on.isoformat(),
                "request_status": request.status,
            },
            url=_url(request),
        )
        with unscoped():
            Request.objects.filter(pk=request.pk).update(reminded_on=today)
            _event(request, None, RequestEvent.Kind.REMINDED, note=kind)
        sent["overdue" if late else "due"] += 1
    return dict(sent)


def metrics(queryset, *, today: dt.date | None = None) -> dict:
    """Figures on a (scoped) set of requests: by asker and thematic area, median days to
    answer, duplicates avoided and caught, overdue."""
    today = today or timezone.localdate()
    rows = list(queryset.select_related("asker", "thematic_area").prefetch_related("reuses"))
    by_asker = defaultdict(Counter)
    themes = {}
    days = []
    for r in rows:
        by_asker[r.asker.acronym][r.thematic_area.code] += 1
        themes[r.thematic_area.code] = r.thematic_area
        if r.answered_at is not None:
            days.append(r.days_to_answer())
    answered_in_time = sum(
        1 for r in rows if r.answered_at is not None and r.answered_at.date() <= r.due_on
    )
    return {
        "total": len(rows),
        "by_asker": {k: dict(v) for k, v in sorted(by_asker.items())},
        "themes": [themes[c] for c in sorted(themes, key=lambda c: themes[c].order)],
        "answered": len(days),
        "median_days": round(statistics.median(days), 1) if days else None,
        "answered_in_time": answered_in_time,
        "reused": sum(len(r.reuses.all()) for r in rows),
        "duplicates_caught": sum(1 for r in rows if r.duplicate_of_id),
        "overdue": sum(1 for r in rows if r.is_overdue(today)),
        "pending": sum(1 for r in rows if r.is_pending),
        "declined": sum(1 for r in rows if r.status == Request.Status.DECLINED),
    }
