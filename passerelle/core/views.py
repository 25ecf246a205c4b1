from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.i18n import set_language as django_set_language

from passerelle import policy
from passerelle.core.models import AuditEvent


@policy.public
def set_language(request):
    """Switch the page language; a signed-in user's choice is also kept as the language of
    their e-mail (core.notify words each mail in its recipient's language)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and user.is_authenticated and language in dict(settings.LANGUAGES):
        type(user).objects.filter(pk=user.pk).exclude(language=language).update(language=language)
    return response


@policy.public
def health(request):
    return HttpResponse("ok", content_type="text/plain")


@policy.permission("audit.view")
def audit_log(request):
    readable = policy.scope(request.user, AuditEvent.objects.all(), "audit.view")
    qs = readable.select_related("organisation")
    action = request.GET.get("action", "")
    if action:
        qs = qs.filter(action=action)
    page = Paginator(qs.order_by("-seq"), settings.PASSERELLE_PAGE_SIZE * 2).get_page(
        request.GET.get("page")
    )
    actions = readable.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request, "core/audit_log.html", {"page": page, "actions": actions, "action": action}
    )
