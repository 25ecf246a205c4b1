"""Pages of the requests register: the boxes, the form that shows earlier requests asking the
same thing while it is written, a request and its follow-up, and the register's figures.

Who reads which request, and its answer, is decided by `passerelle.policy.inforequests`;
writes go through `services`, which check again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from passerelle import policy
from passerelle.core.errors import DomainError, add_to_form
from passerelle.policy import inforequests as rules

from . import services, similarity
from .forms import (
    AcknowledgeForm,
    AnswerForm,
    CloseForm,
    DeclineForm,
    EarlierForm,
    PeriodForm,
    RequestFilterForm,
    RequestForm,
)
from .models import Request

BOXES = ("received", "made", "related", "overdue", "all")
FOLLOW_UP = (Request.Status.OPEN, Request.Status.ACKNOWLEDGED, Request.Status.ANSWERED)
ANSWERED = (Request.Status.ANSWERED, Request.Status.CLOSED)


def _default_box(user) -> str:
    return "received" if policy.can(user, "request.answer") else "made"


def box_queryset(user, box: str):
    """The requests of a box; `overdue`: pending past their due date, asked or received."""
    if box == "overdue":
        mine = rules.scope_requests(user, box="made") | rules.scope_requests(user, box="received")
        return mine.overdue().order_by("due_on", "pk")
    return rules.scope_requests(user, box=box)


# --------------------------------------------------------------------------- boxes


@policy.permission("request.view")
def request_list(request, box: str | None = None):
    user = request.user
    if box not in BOXES:
        box = _default_box(user)
    form = RequestFilterForm(request.GET or None)
    qs = box_queryset(user, box)
    if form.is_valid():
        qs = form.filter(qs)
    qs = qs.select_related(
        "asker", "addressee", "thematic_area", "area", "focal_point", "assignee"
    ).defer("area__geometry")
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inforequests/request_list.html",
        {
            "box": box,
            "page": page,
            "form": form,
            "querystring": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


# --------------------------------------------------------------------------- asking


def suggestion_context(user, form: RequestForm) -> dict:
    """Earlier requests the user may read that ask what the form asks (None: nothing to
    compare yet), each with whether the user may read its answer."""
    draft = form.draft()
    if draft is None:
        return {"suggestions": None}
    rows = []
    for suggestion in services.suggestions(user, draft):
        earlier = suggestion.candidate
        rows.append(
            {
                "request": earlier,
                "percent": round(suggestion.score * 100),
                "sees_answer": rules.sees_answer(user, earlier),
                "texts": rules.request_texts(user, earlier),
            }
        )
    return {"suggestions": rows}


@policy.permission("request.create")
def request_create(request):
    user = request.user
    form = RequestForm(request.POST or None, user=user)
    context = {"form": form, "refused": [], "suggestions": None, "confirm": False}
    if request.method == "POST":
        valid = form.is_valid()
        context.update(suggestion_context(user, form))
        filing = "check" not in request.POST
        anyway = request.POST.get("file") == "anyway"
        if filing and not valid and form.never_given():
            # Crafted: asks what is never given; refused with its reasons and audited, as
            # the service refuses a complete request.
            context["refused"] = services.refuse_request(user, **form.cleaned_data)
        elif filing and valid and context["suggestions"] and not anyway and not form.never_given():
            # Earlier requests ask the same thing: say so before filing a duplicate.
            context["confirm"] = True
        elif filing and valid:
            try:
                filed = services.file_request(user, **form.request_values())
            except services.RequestRefused as exc:
                context["refused"] = exc.reasons
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                if filed.focal_point_id:
                    note = _("Request %(ref)s filed and sent to %(name)s, focal point of %(org)s.")
                else:
                    note = _("Request %(ref)s filed and sent to those who answer for %(org)s.")
                messages.success(
                    request,
                    note
                    % {
                        "ref": filed.reference,
                        "name": filed.focal_point.name if filed.focal_point_id else "",
                        "org": filed.addressee.acronym,
                    },
                )
                return redirect("inforequests:detail", public_id=filed.public_id)
    return render(request, "inforequests/request_form.html", context)


@require_http_methods(["GET", "POST"])
@policy.permission("request.create")
def request_suggest(request):
    """htmx: the earlier requests that ask what the form being written asks."""
    data = request.POST if request.method == "POST" else request.GET
    form = RequestForm(data, user=request.user)
    form.is_valid()  # fills cleaned_data with the fields given so far
    return render(
        request,
        "inforequests/_suggestions.html",
        suggestion_context(request.user, form),
    )


@require_POST
@policy.permission("request.create")
def request_reuse(request, public_id):
    """Take an earlier request instead of filing a new one (a duplicate avoided)."""
    user = request.user
    earlier = rules.get_request_or_404(user, public_id)
    askers = policy.organisations(user, "request.create")
    chosen = request.POST.get("asker", "")
    organisation = next((o for o in askers if str(o.pk) == chosen), None)
    if organisation is None and len(askers) == 1:
        organisation = askers[0]
    if organisation is None:
        messages.error(request, _("Choose the organisation on whose behalf you ask."))
        return redirect("inforequests:create")
    try:
        services.reuse_request(
            user, earlier, organisation=organisation, subject=request.POST.get("subject", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("inforequests:create")
    messages.success(
        request,
        _(
            "Duplicate avoided: you follow request %(ref)s, which asks the same thing, instead "
            "of filing a new one."
        )
        % {"ref": earlier.reference},
    )
    return redirect("inforequests:detail", public_id=earlier.public_id)


# --------------------------------------------------------------------------- one request


def earlier_answers(user, req: Request) -> list:
    """Earlier requests to the same addressee, already answered, that ask the same thing (to
    answer this one with their answer)."""
    found = services.suggestions(user, similarity.Draft.of(req), exclude=req, limit=10)
    return [
        s
        for s in found
        if s.candidate.addressee_id == req.addressee_id
        and s.candidate.status in ANSWERED
        and (s.candidate.answer or s.candidate.answer_link)
    ]


def _earlier_candidates(user, req: Request):
    return (
        rules.scope_requests(user)
        .filter(addressee_id=req.addressee_id, status__in=ANSWERED)
        .exclude(pk=req.pk)
    )


def _render_detail(request, req: Request, *, bound: dict | None = None):
    user = request.user
    bound = bound or {}
    standing = rules.relation(user, req)
    sees = rules.sees_answer(user, req)
    context = {
        "req": req,
        "standing": standing,
        "sees_answer": sees,
        "texts": rules.request_texts(user, req),  # what was asked and the answer, opened
        "today": timezone.localdate(),
        "events": req.events.select_related("actor"),
        "duplicates": rules.scope_requests(user)
        .filter(duplicate_of=req)
        .select_related("asker")
        .only("public_id", "reference", "subject", "status", "asker__acronym"),
        "same_as": rules.scope_requests(user).filter(pk=req.duplicate_of_id).first()
        if req.duplicate_of_id
        else None,
        "reuses": req.reuses.select_related("organisation"),
        "disclosures": list(rules.answer_disclosures(user, req).select_related("protocol")),
        "disclosure_links": standing == "asker",
    }
    if rules.may_answer(user, req) and req.is_pending:
        context["acknowledge_form"] = bound.get("acknowledge") or AcknowledgeForm(request=req)
        context["answer_form"] = bound.get("answer") or AnswerForm(
            request=req, disclosures=rules.disclosures_to_answer_with(user, req)
        )
        context["decline_form"] = bound.get("decline") or DeclineForm()
        context["earlier"] = earlier_answers(user, req)
        if context["earlier"] or "earlier" in bound:
            ids = [s.candidate.pk for s in context["earlier"]]
            context["earlier_form"] = bound.get("earlier") or EarlierForm(
                candidates=_earlier_candidates(user, req).filter(pk__in=ids)
            )
    if rules.may_follow_up(user, req) and req.status in FOLLOW_UP:
        context["close_form"] = bound.get("close") or CloseForm()
    return render(request, "inforequests/request_detail.html", context)


@policy.permission("request.view")
def request_detail(request, public_id):
    return _render_detail(request, rules.get_request_or_404(request.user, public_id))


def _act(request, public_id, *, name, form_class, form_kwargs, call, done, side="answer"):
    """One move on a request: check the side, validate, call the service; redirect on
    success, show the form again (with what was entered) when a field is wrong."""
    user = request.user
    req = rules.get_request_or_404(user, public_id)
    allowed = rules.may_answer(user, req) if side == "answer" else rules.may_follow_up(user, req)
    if not allowed:
        rules.refuse_outsider(user, req)
    form = form_class(request.POST, **form_kwargs(req))
    if form.is_valid():
        try:
            call(user, req, form.cleaned_data)
        except DomainError as exc:
            if exc.field not in form.fields:
                messages.error(request, str(exc.message))
                return redirect("inforequests:detail", public_id=req.public_id)
            add_to_form(form, exc)
        else:
            messages.success(request, done(req) % {"ref": req.reference})
            return redirect("inforequests:detail", public_id=req.public_id)
    req = rules.get_request_or_404(user, public_id)  # as saved, not as the failed move left it
    return _render_detail(request, req, bound={name: form})


@require_POST
@policy.permission("request.answer")
def request_acknowledge(request, public_id):
    return _act(
        request,
        public_id,
        name="acknowledge",
        form_class=AcknowledgeForm,
        form_kwargs=lambda req: {"request": req},
        call=lambda user, req, data: services.acknowledge_request(
            user, req, assignee=data["assignee"]
        ),
        done=lambda req: _("Request %(ref)s acknowledged; the asker was told."),
    )


@require_POST
@policy.permission("request.answer")
def request_answer(request, public_id):
    return _act(
        request,
        public_id,
        name="answer",
        form_class=AnswerForm,
        form_kwargs=lambda req: {
            "request": req,
            "disclosures": rules.disclosures_to_answer_with(request.user, req),
        },
        call=lambda user, req, data: services.answer_request(
            user,
            req,
            answer=data["answer"],
            answer_level=data["answer_level"],
            answer_link=data["answer_link"],
            disclosures=data["answer_disclosures"],
        ),
        done=lambda req: _("Request %(ref)s answered; the asker was told."),
    )


@require_POST
@policy.permission("request.answer")
def request_answer_earlier(request, public_id):
    return _act(
        request,
        public_id,
        name="earlier",
        form_class=EarlierForm,
        form_kwargs=lambda req: {"candidates": _earlier_candidates(request.user, req)},
        call=lambda user, req, data: services.answer_with_earlier(
            user, req, earlier=data["earlier"]
        ),
        done=lambda req: _("Request %(ref)s answered with the earlier answer; the asker was told."),
    )


@require_POST
@policy.permission("request.answer")
def request_decline(request, public_id):
    return _act(
        request,
        public_id,
        name="decline",
        form_class=DeclineForm,
        form_kwargs=lambda req: {},
        call=lambda user, req, data: services.decline_request(
            user, req, reason=data["decline_reason"], note=data["decline_note"]
        ),
        done=lambda req: _("Request %(ref)s declined; the asker was told why."),
    )


@require_POST
@policy.permission("request.create")
def request_close(request, public_id):
    return _act(
        request,
        public_id,
        name="close",
        form_class=CloseForm,
        form_kwargs=lambda req: {},
        call=lambda user, req, data: services.close_request(user, req, note=data["note"]),
        done=lambda req: (
            _("Request %(ref)s closed.")
            if req.answered_at
            else _("Request %(ref)s withdrawn; those handling it were told.")
        ),
        side="follow_up",
    )


# --------------------------------------------------------------------------- figures


@policy.permission("request.view")
def request_metrics(request):
    form = PeriodForm(request.GET or None)
    qs = rules.scope_requests(request.user)
    if form.is_valid():
        qs = form.filter(qs)
    figures = services.metrics(qs)
    themes = figures["themes"]
    rows = []
    for asker, counts in figures["by_asker"].items():
        rows.append(
            {
                "asker": asker,
                "cells": [counts.get(t.code, 0) for t in themes],
                "total": sum(counts.values()),
                "figures": services.metrics(qs.filter(asker__acronym=asker)),
            }
        )
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(themes))]
    return render(
        request,
        "inforequests/metrics.html",
        {"form": form, "figures": figures, "themes": themes, "rows": rows, "totals": totals},
    )


urlpatterns = [
    path("", request_list, name="list"),
    path("received/", request_list, {"box": "received"}, name="received"),
    path("made/", request_list, {"box": "made"}, name="made"),
    path("related/", request_list, {"box": "related"}, name="related"),
    path("overdue/", request_list, {"box": "overdue"}, name="overdue"),
    path("all/", request_list, {"box": "all"}, name="all"),
    path("new/", request_create, name="create"),
    path("suggest/", request_suggest, name="suggest"),
    path("metrics/", request_metrics, name="metrics"),
    path("<uuid:public_id>/", request_detail, name="detail"),
    path("<uuid:public_id>/reuse/", request_reuse, name="reuse"),
    path("<uuid:public_id>/acknowledge/", request_acknowledge, name="acknowledge"),
    path("<uuid:public_id>/answer/", request_answer, name="answer"),
    path("<uuid:public_id>/answer-earlier/", request_answer_earlier, name="answer_earlier"),
    path("<uuid:public_id>/decline/", request_decline, name="decline"),
    path("<uuid:public_id>/close/", request_close, name="close"),
]
