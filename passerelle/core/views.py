from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.i18n import set_language as django_set_language

from passerelle import policy
from passerelle.core.models import AuditEvent
from passerelle.incidents.models import Incident, VerificationStatus


@policy.public
def set_language(request):
    return django_set_language(request)


@policy.public
def health(request):
    return HttpResponse("ok", content_type="text/plain")


@policy.permission("dashboard.view")
def home(request):
    user = request.user
    orgs = policy.organisations(user)
    context = {"organisations": orgs}
    if policy.can(user, "incident.view"):
        qs = policy.scope(user, Incident.objects.all(), "incident.view")
        by_status = dict(qs.order_by().values_list("verification_status").annotate(n=Count("id")))
        context["total"] = sum(by_status.values())
        context["by_status"] = [(s.label, by_status.get(s.value, 0)) for s in VerificationStatus]
        context["by_region"] = (
            qs.order_by().values("area__parent__pcode").annotate(n=Count("id")).order_by("-n")[:10]
        )
        recent = qs.select_related(
            "area__parent",
            "category",
            "sub_type",
            "perpetrator",
            "source_type",
            "source_reliability",
            "recorded_by",
            "owner",
        ).prefetch_related("victim_counts", "need_to_know")[:8]
        # Rows show level-2 columns only: not a read of level-3 content, nothing to audit.
        context["recent"] = [policy.redact(user, i, audit_reads=False) for i in recent]
    return render(request, "core/home.html", context)


@policy.permission("audit.view")
def audit_log(request):
    orgs = policy.organisations(request.user, "audit.view")
    qs = AuditEvent.objects.filter(organisation__in=orgs).select_related("organisation")
    action = request.GET.get("action", "")
    if action:
        qs = qs.filter(action=action)
    page = Paginator(qs.order_by("-seq"), settings.PASSERELLE_PAGE_SIZE * 2).get_page(
        request.GET.get("page")
    )
    actions = (
        AuditEvent.objects.filter(organisation__in=orgs)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
    return render(
        request, "core/audit_log.html", {"page": page, "actions": actions, "action": action}
    )
