"""Pages for coordination bodies, their meetings and action points, and the engagement risk
register. Who reads what is decided by `passerelle.policy.coordination`; these views only ask.
"""

from __future__ import annotations

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.accounts.models import Organisation
from passerelle.core.errors import DomainError, add_to_form
from passerelle.core.periods import current_q
from passerelle.policy import coordination as rules

from . import services
from .forms import (
    ActionFormSet,
    ActionPointFilterForm,
    ActionPointForm,
    ActionPointUpdateForm,
    AttendanceFormSet,
    BodyForm,
    DecisionFormSet,
    EndMembershipForm,
    MeetingForm,
    MembershipForm,
    RiskCloseForm,
    RiskForm,
    RiskReviewForm,
    kept_rows,
    staff_of,
)
from .models import ActionPoint, Body, BodyMembership, EngagementRisk

EXTRA_ROWS = 3


def _forbidden(user, action: str):
    policy.audit_refusal(user, action)
    return PermissionDenied()


def _current(prefix: str = "memberships__"):
    return current_q(prefix=prefix)


def _with_counts(queryset):
    current = _current()
    return queryset.select_related("place", "chair", "co_chair", "parent").annotate(
        members=Count("memberships", filter=current & Q(memberships__status="member")),
        observers=Count("memberships", filter=current & Q(memberships__status="observer")),
    )


# --------------------------------------------------------------------------- overview


@policy.permission("coordination.view")
def index(request):
    user = request.user
    today = timezone.localdate()
    bodies = sorted(
        _with_counts(Body.objects.filter(active=True)),
        key=lambda b: (b.place.name, b.kind, b.acronym),
    )
    by_place = [(place, list(group)) for place, group in groupby(bodies, key=lambda b: b.place)]
    mine = [o.pk for o in policy.organisations(user, "coordination.view")]
    visible = rules.scope_action_points(user, ActionPoint.objects.all())
    open_mine = (
        visible.pending()
        .filter(owner_id__in=mine)
        .select_related("body", "owner", "owner_user", "meeting")
        .order_by("due_on", "pk")
    )
    risks_due = None
    if policy.can(user, "risk.manage"):
        own = [o.pk for o in policy.organisations(user, "risk.manage")]
        risks_due = (
            rules.scope_risks(user, EngagementRisk.objects.filter(organisation_id__in=own))
            .review_due(today)
            .select_related("organisation", "body")
        )
    return render(
        request,
        "coordination/index.html",
        {
            "by_place": by_place,
            "open_mine": open_mine[:20],
            "open_mine_count": open_mine.count(),
            "overdue_mine": open_mine.filter(due_on__lt=today).count(),
            "overdue_visible": visible.overdue(today).count(),
            "risks_due": risks_due,
            "today": today,
        },
    )


# --------------------------------------------------------------------------- bodies


@policy.permission("coordination.view")
def body_list(request):
    kind = request.GET.get("kind", "")
    bodies = _with_counts(rules.scope_bodies(request.user, Body.objects.all()))
    if kind in Body.Kind.values:
        bodies = bodies.filter(kind=kind)
    return render(
        request,
        "coordination/body_list.html",
        {
            "bodies": bodies.order_by("-active", "kind", "acronym"),
            "kinds": Body.Kind.choices,
            "kind": kind,
        },
    )


def _sitting_org_ids(body) -> list[int]:
    ids = {body.chair_id, body.co_chair_id}
    ids |= {m.organisation_id for m in body.memberships.all() if m.is_current()}
    return [pk for pk in ids if pk is not None]


def _membership_rows(user, body) -> list[dict]:
    memberships = list(
        body.memberships.select_related("organisation", "risk").order_by(
            "status", "organisation__acronym"
        )
    )
    readable = rules.readable_risk_ids(user, [m.risk_id for m in memberships])
    rows = []
    for m in memberships:
        required = services.risk_required(body, m.organisation)
        open_risk = m.risk is not None and m.risk.status != EngagementRisk.Status.CLOSED
        rows.append(
            {
                "membership": m,
                "current": m.is_current(),
                "risk_required": required,
                "risk_readable": m.risk_id in readable,
                "risk_missing": required and not open_risk,
            }
        )
    return rows


def _body_page(request, body, *, membership_form=None, action_form=None, status=200):
    user = request.user
    may_manage = rules.may_manage_body(user, body)
    reads_meetings = rules.may_read_meetings(user, body)
    keeps_minutes = may_manage and reads_meetings
    if may_manage and membership_form is None:
        membership_form = MembershipForm(risks=_linkable_risks(user))
    if keeps_minutes and action_form is None:
        action_form = ActionPointForm(staff=staff_of(_sitting_org_ids(body)))
    meetings = action_points = None
    if reads_meetings:
        meetings = body.meetings.select_related("place")[:50]
        action_points = (
            body.action_points.pending()
            .select_related("owner", "owner_user", "meeting")
            .order_by("due_on", "pk")
        )
    own_humanitarian = [
        o for o in policy.organisations(user, "risk.manage") if services.risk_required(body, o)
    ]
    return render(
        request,
        "coordination/body_detail.html",
        {
            "body": body,
            "rows": _membership_rows(user, body),
            "children": body.children.all(),
            # the buttons ask the bodies family: `{% can "coordination.manage" body %}`,
            # "coordination.keep_minutes", "coordination.read_meetings", "membership.end"
            "meetings": meetings,
            "action_points": action_points,
            "membership_form": membership_form,
            "action_form": action_form,
            "analyse_for": own_humanitarian,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _linkable_risks(user):
    return (
        rules.scope_risks(user, EngagementRisk.objects.all())
        .exclude(status=EngagementRisk.Status.CLOSED)
        .select_related("organisation")
        .order_by("organisation__acronym", "title")
    )


@policy.permission("coordination.view")
def body_detail(request, public_id):
    return _body_page(request, rules.get_body_or_404(request.user, public_id))


def _chairs(user, body=None):
    allowed = rules.chairs_for(user)
    if allowed is None:
        return Organisation.objects.filter(active=True).order_by("acronym")
    ids = {o.pk for o in allowed}
    if body is not None:
        ids |= {body.chair_id, body.co_chair_id} - {None}
    return Organisation.objects.filter(pk__in=ids).order_by("acronym")


def _body_form(request, body):
    user = request.user
    if body is None and not rules.may_create_body(user):
        raise _forbidden(user, "coordination.manage")
    if body is not None and not rules.may_manage_body(user, body):
        raise _forbidden(user, "coordination.manage")
    initial = {"active": True}
    if body is not None:
        initial = {
            "name": body.name,
            "name_en": body.name_en,
            "acronym": body.acronym,
            "kind": body.kind,
            "parent": body.parent_id,
            "thematic_area": body.thematic_area_id,
            "place": body.place_id,
            "chair": body.chair_id,
            "co_chair": body.co_chair_id,
            "frequency": body.frequency,
            "terms": body.terms,
            "active": body.active,
        }
    form = BodyForm(request.POST or None, initial=initial, chairs=_chairs(user, body), body=body)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_body(user, body, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Body %(body)s saved.") % {"body": saved.acronym})
            return redirect("coordination:body_detail", public_id=saved.public_id)
    return render(request, "coordination/body_form.html", {"form": form, "body": body})


@policy.permission("coordination.manage", "directory.manage")
def body_create(request):
    return _body_form(request, None)


@policy.permission("coordination.manage", "directory.manage")
def body_edit(request, public_id):
    return _body_form(request, rules.get_body_or_404(request.user, public_id))


@require_POST
@policy.permission("coordination.manage", "directory.manage")
def membership_add(request, public_id):
    body = rules.get_body_or_404(request.user, public_id)
    if not rules.may_manage_body(request.user, body):
        raise _forbidden(request.user, "coordination.manage")
    form = MembershipForm(request.POST, risks=_linkable_risks(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.set_membership(
                request.user,
                body,
                data["organisation"],
                status=data["status"],
                since=data["since"],
                until=data["until"],
                risk=data["risk"],
                note=data["note"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(org)s sits in %(body)s: %(status)s.")
                % {
                    "org": membership.organisation.acronym,
                    "body": body.acronym,
                    "status": membership.get_status_display(),
                },
            )
            return redirect("coordination:body_detail", public_id=body.public_id)
    return _body_page(request, body, membership_form=form)


@require_POST
@policy.permission("coordination.manage", "directory.manage")
def membership_end(request, public_id):
    body = rules.get_body_or_404(request.user, public_id)
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the membership to end."))
        return redirect("coordination:body_detail", public_id=body.public_id)
    membership = get_object_or_404(
        BodyMembership.objects.select_related("organisation"),
        pk=form.cleaned_data["membership"],
        body=body,
    )
    membership.body = body
    try:
        services.end_membership(request.user, membership, until=form.cleaned_data["until"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The membership of %(org)s in %(body)s ends on %(until)s.")
            % {
                "org": membership.organisation.acronym,
                "body": body.acronym,
                "until": membership.until.isoformat(),
            },
        )
    return redirect("coordination:body_detail", public_id=body.public_id)


# --------------------------------------------------------------------------- meetings


def _with_more_rows(data):
    """The posted data with more blank rows (nothing typed is lost)."""
    data = data.copy()
    for prefix in ("attendance", "decisions", "actions"):
        key = f"{prefix}-TOTAL_FORMS"
        try:
            data[key] = str(int(data.get(key, 0)) + EXTRA_ROWS)
        except ValueError:
            pass
    return data


def _attendance_initial(body) -> list[dict]:
    rows = [{"organisation": body.chair_id, "people": 1}]
    if body.co_chair_id:
        rows.append({"organisation": body.co_chair_id, "people": 1})
    for m in body.memberships.select_related("organisation").order_by("organisation__acronym"):
        if m.is_current():
            rows.append({"organisation": m.organisation_id, "people": 1})
    return rows


def _place_error(exc: DomainError, form, formsets: dict) -> None:
    message = str(exc.message)
    if exc.field in form.fields:
        form.add_error(exc.field, message)
    elif exc.field in formsets:
        formsets[exc.field].non_form_errors().append(message)
    else:
        form.add_error(None, message)


@policy.permission("coordination.manage", "directory.manage")
def meeting_create(request, public_id):
    user = request.user
    body = rules.get_body_or_404(user, public_id)
    if not rules.may_read_meetings(user, body):
        rules.refuse_404(user, body, "coordination.view", body.chair)
    if not rules.may_keep_minutes(user, body):
        raise _forbidden(user, "coordination.manage")
    staff = staff_of(_sitting_org_ids(body))
    more = "more" in request.POST
    if request.method == "POST":
        data = _with_more_rows(request.POST) if more else request.POST
        form = MeetingForm(data)
        attendance = AttendanceFormSet(data, prefix="attendance")
        decisions = DecisionFormSet(data, prefix="decisions")
        actions = ActionFormSet(data, prefix="actions", form_kwargs={"staff": staff})
        valid = [form.is_valid(), attendance.is_valid(), decisions.is_valid(), actions.is_valid()]
        if not more and all(valid):
            cleaned = form.cleaned_data
            try:
                meeting = services.record_meeting(
                    user,
                    body,
                    held_on=cleaned["held_on"],
                    place=cleaned["place"],
                    title=cleaned["title"],
                    summary=cleaned["summary"],
                    attendance=[
                        (
                            row["organisation"],
                            row["status"],
                            row["people"] if row["people"] is not None else 1,
                        )
                        for row in kept_rows(attendance)
                    ],
                    decisions=[row["text"] for row in kept_rows(decisions)],
                    action_points=[
                        {
                            "text": row["text"],
                            "owner": row["owner"],
                            "owner_user": row["owner_user"],
                            "due_on": row["due_on"],
                        }
                        for row in kept_rows(actions)
                    ],
                )
            except DomainError as exc:
                _place_error(
                    exc,
                    form,
                    {"attendance": attendance, "decisions": decisions, "action_points": actions},
                )
            else:
                messages.success(
                    request,
                    _("Meeting of %(date)s recorded.") % {"date": meeting.held_on.isoformat()},
                )
                return redirect("coordination:meeting_detail", public_id=meeting.public_id)
    else:
        form = MeetingForm(initial={"held_on": timezone.localdate()})
        attendance = AttendanceFormSet(initial=_attendance_initial(body), prefix="attendance")
        decisions = DecisionFormSet(prefix="decisions")
        actions = ActionFormSet(prefix="actions", form_kwargs={"staff": staff})
    return render(
        request,
        "coordination/meeting_form.html",
        {
            "body": body,
            "form": form,
            "attendance": attendance,
            "decisions": decisions,
            "actions": actions,
        },
    )


def _update_forms(user, action_points) -> list[dict]:
    return [
        {
            "ap": ap,
            "form": ActionPointUpdateForm(
                initial={"status": ap.status, "note": ap.note, "done_on": ap.done_on},
                prefix=f"ap{ap.pk}",
            ),
        }
        for ap in action_points
    ]


@policy.permission("coordination.view")
def meeting_detail(request, public_id):
    meeting = rules.get_meeting_or_404(request.user, public_id)
    action_points = meeting.action_points.select_related(
        "owner", "owner_user", "body__chair", "body__co_chair"
    ).prefetch_related("body__memberships")
    return render(
        request,
        "coordination/meeting_detail.html",
        {
            "meeting": meeting,
            "body": meeting.body,
            "attendance": meeting.attendance.select_related("organisation"),
            "decisions": meeting.decisions.all(),
            "rows": _update_forms(request.user, action_points),
            "today": timezone.localdate(),
        },
    )


# --------------------------------------------------------------------------- action points


@require_POST
@policy.permission("coordination.manage", "directory.manage")
def action_point_add(request, public_id):
    user = request.user
    body = rules.get_body_or_404(user, public_id)
    if not rules.may_read_meetings(user, body):
        rules.refuse_404(user, body, "coordination.view", body.chair)
    if not rules.may_keep_minutes(user, body):
        raise _forbidden(user, "coordination.manage")
    form = ActionPointForm(request.POST, staff=staff_of(_sitting_org_ids(body)))
    if form.is_valid():
        try:
            services.add_action_point(user, body, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Action point added."))
            return redirect("coordination:body_detail", public_id=body.public_id)
    return _body_page(request, body, action_form=form)


def filtered_action_points(request):
    """The filter form and the action points the user may see, filtered as the list is (the
    list and its export read the same rows)."""
    user = request.user
    today = timezone.localdate()
    bodies = rules.readable_bodies(user).order_by("acronym")
    form = ActionPointFilterForm(request.GET or None, bodies=bodies)
    qs = rules.scope_action_points(user, ActionPoint.objects.all())
    status = ""
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        if data["body"]:
            qs = qs.filter(body=data["body"])
        if data["owner"]:
            qs = qs.filter(owner=data["owner"])
        if data["overdue"]:
            qs = qs.overdue(today)
    if status == "":
        qs = qs.pending()
    elif status != "all":
        qs = qs.filter(status=status)
    qs = (
        qs.select_related("body__chair", "body__co_chair", "owner", "owner_user", "meeting")
        .prefetch_related("body__memberships")
        .order_by("due_on", "pk")
    )
    return form, qs, today


@policy.permission("coordination.view")
def action_points(request):
    user = request.user
    form, qs, today = filtered_action_points(request)
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coordination/action_points.html",
        {
            "form": form,
            "page": page,
            "rows": _update_forms(user, page.object_list),
            "querystring": query.urlencode(),
            "today": today,
            "next": request.get_full_path(),
        },
    )


@require_POST
@policy.permission("coordination.manage", "directory.manage")
def action_point_update(request, public_id):
    action_point = rules.get_action_point_or_404(request.user, public_id)
    form = ActionPointUpdateForm(request.POST, prefix=f"ap{action_point.pk}")
    if form.is_valid():
        try:
            services.update_action_point(request.user, action_point, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("Action point: %(status)s.") % {"status": action_point.get_status_display()},
            )
    else:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": form.errors.as_text()})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    if action_point.meeting_id:
        return redirect("coordination:meeting_detail", public_id=action_point.meeting.public_id)
    return redirect("coordination:action_points")


# --------------------------------------------------------------------------- risks


def _matrix(risks) -> list[dict]:
    """Open analyses counted by likelihood (rows, 5 to 1) and impact (columns, 1 to 5)."""
    counts = {}
    for risk in risks:
        if risk.status != EngagementRisk.Status.CLOSED:
            counts[(risk.likelihood, risk.impact)] = (
                counts.get((risk.likelihood, risk.impact), 0) + 1
            )
    return [
        {
            "likelihood": likelihood,
            "cells": [
                {
                    "impact": impact,
                    "count": counts.get((likelihood, impact), 0),
                    "high": likelihood * impact >= 15,
                }
                for impact in range(1, 6)
            ],
        }
        for likelihood in range(5, 0, -1)
    ]


@policy.permission("risk.manage")
def risk_register(request):
    user = request.user
    today = timezone.localdate()
    show_closed = request.GET.get("closed") == "1"
    own = {o.pk for o in policy.organisations(user, "risk.manage")}
    risks = list(
        rules.scope_risks(user, EngagementRisk.objects.all())
        .select_related("organisation", "body", "owner_user")
        .prefetch_related("shared_with")
        .order_by("next_review", "pk")
    )
    listed = [r for r in risks if show_closed or r.status != EngagementRisk.Status.CLOSED]
    return render(
        request,
        "coordination/risk_register.html",
        {
            "due": [r for r in risks if r.organisation_id in own and r.review_due(today)],
            "risks": listed,
            "own": own,
            "matrix": _matrix(risks),
            "show_closed": show_closed,
            "today": today,
        },
    )


def _risk_form(request, risk):
    user = request.user
    owners = Organisation.objects.filter(
        pk__in=[o.pk for o in policy.organisations(user, "risk.manage")]
    ).order_by("acronym")
    if risk is not None and not rules.may_manage_risk(user, risk):
        raise _forbidden(user, "risk.manage")
    if risk is not None:
        initial = {
            "organisation": risk.organisation_id,
            "title": risk.title,
            "description": risk.description,
            "principle": risk.principle,
            "body": risk.body_id,
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "mitigation": risk.mitigation,
            "owner_user": risk.owner_user_id,
            "review_every_days": risk.review_every_days,
            "next_review": risk.next_review,
            "status": risk.status if risk.status != EngagementRisk.Status.CLOSED else "open",
            "shared_with": list(risk.shared_with.all()),
        }
    else:
        initial = {"review_every_days": 90, "organisation": owners.first()}
        try:
            body = Body.objects.filter(public_id=request.GET.get("body") or None).first()
        except ValidationError:
            body = None  # not a body id: nothing preselected
        if body is not None:
            initial["body"] = body.pk
    form = RiskForm(request.POST or None, initial=initial, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_risk(user, risk, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Risk analysis saved."))
            return redirect("coordination:risk_detail", public_id=saved.public_id)
    return render(request, "coordination/risk_form.html", {"form": form, "risk": risk})


@policy.permission("risk.manage")
def risk_create(request):
    return _risk_form(request, None)


@policy.permission("risk.manage")
def risk_edit(request, public_id):
    return _risk_form(request, rules.get_risk_or_404(request.user, public_id))


def _risk_page(request, risk, *, review_form=None, status=200):
    user = request.user
    may_manage = rules.may_manage_risk(user, risk)
    is_open = risk.status != EngagementRisk.Status.CLOSED
    if may_manage and is_open and review_form is None:
        review_form = RiskReviewForm(initial={"likelihood": risk.likelihood, "impact": risk.impact})
    return render(
        request,
        "coordination/risk_detail.html",
        {
            "risk": risk,
            "reviews": risk.reviews.select_related("reviewed_by"),
            "shared_with": risk.shared_with.all(),
            "guided": services.guided_memberships(risk) if may_manage else [],
            "review_form": review_form if may_manage and is_open else None,
            "close_form": RiskCloseForm() if may_manage and is_open else None,
            "today": timezone.localdate(),
        },
        status=status,
    )


@policy.permission("risk.manage")
def risk_detail(request, public_id):
    return _risk_page(request, rules.get_risk_or_404(request.user, public_id))


@require_POST
@policy.permission("risk.manage")
def risk_review(request, public_id):
    risk = rules.get_risk_or_404(request.user, public_id)
    if not rules.may_manage_risk(request.user, risk):
        raise _forbidden(request.user, "risk.manage")
    form = RiskReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_risk(request.user, risk, **form.cleaned_data)
        except DomainError as exc:
            risk.refresh_from_db()
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Review recorded; next review on %(date)s.")
                % {"date": risk.next_review.isoformat()},
            )
            return redirect("coordination:risk_detail", public_id=risk.public_id)
    return _risk_page(request, risk, review_form=form)


@require_POST
@policy.permission("risk.manage")
def risk_close(request, public_id):
    risk = rules.get_risk_or_404(request.user, public_id)
    if not rules.may_manage_risk(request.user, risk):
        raise _forbidden(request.user, "risk.manage")
    form = RiskCloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.close_risk(request.user, risk, note=note)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Risk analysis closed."))
    return redirect("coordination:risk_detail", public_id=risk.public_id)


urlpatterns = [
    path("", index, name="index"),
    path("bodies/", body_list, name="body_list"),
    path("bodies/new/", body_create, name="body_create"),
    path("bodies/<uuid:public_id>/", body_detail, name="body_detail"),
    path("bodies/<uuid:public_id>/edit/", body_edit, name="body_edit"),
    path("bodies/<uuid:public_id>/members/", membership_add, name="membership_add"),
    path("bodies/<uuid:public_id>/members/end/", membership_end, name="membership_end"),
    path("bodies/<uuid:public_id>/meetings/new/", meeting_create, name="meeting_create"),
    path("bodies/<uuid:public_id>/action-points/new/", action_point_add, name="action_point_add"),
    path("meetings/<uuid:public_id>/", meeting_detail, name="meeting_detail"),
    path("action-points/", action_points, name="action_points"),
    path("action-points/<uuid:public_id>/update/", action_point_update, name="action_point_update"),
    path("risks/", risk_register, name="risk_register"),
    path("risks/new/", risk_create, name="risk_create"),
    path("risks/<uuid:public_id>/", risk_detail, name="risk_detail"),
    path("risks/<uuid:public_id>/edit/", risk_edit, name="risk_edit"),
    path("risks/<uuid:public_id>/review/", risk_review, name="risk_review"),
    path("risks/<uuid:public_id>/close/", risk_close, name="risk_close"),
]
