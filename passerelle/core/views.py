from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.i18n import set_language as django_set_language

from passerelle import policy
from passerelle.core import audit_view, exports


@policy.public
def set_language(request):
    """Switch the page language; a signed-in user's choice is also kept as the language of
    their e-mail (core.notify words each mail in its recipient's language)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and user.is_authenticated and language in dict(settings.LANGUAGES):
        users = get_user_model().objects.filter(pk=user.pk)
        users.exclude(language=language).update(language=language)
    return response


@policy.public
def health(request):
    return HttpResponse("ok", content_type="text/plain")


def _audit_filtered(request):
    readable = audit_view.readable_events(request.user)
    form = audit_view.AuditFilterForm(request.GET or None, readable=readable)
    qs = readable.select_related("organisation", "actor")
    if form.is_bound and form.is_valid():
        qs = form.apply(request.user, qs)
    return form, qs.order_by("-seq")


@policy.permission("audit.view")
def audit_log(request):
    form, qs = _audit_filtered(request)
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE * 2).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": audit_view.rows_for(request.user, page.object_list),
            "querystring": params.urlencode(),
        },
    )


AUDIT_EXPORT_LIMIT = 20_000  # the newest events matching the filters
AUDIT_COLUMNS = [
    exports.Column("#", lambda r: r.event.seq, 8),
    exports.Column(gettext_lazy("When"), lambda r: r.event.at, 18),
    exports.Column(gettext_lazy("Who"), lambda r: r.who, 24),
    exports.Column(gettext_lazy("Organisation"), lambda r: r.event.organisation or "", 14),
    exports.Column(gettext_lazy("Action"), lambda r: r.action, 40),
    exports.Column(gettext_lazy("Record"), lambda r: r.record, 40),
    exports.Column(gettext_lazy("Level"), lambda r: r.event.level, 8),
    exports.Column(gettext_lazy("Outcome"), lambda r: r.outcome, 10),
]


@policy.permission("audit.view")
def audit_xlsx(request):
    form, qs = _audit_filtered(request)
    rows = audit_view.rows_for(request.user, qs[:AUDIT_EXPORT_LIMIT])
    return exports.xlsx_download(
        request.user,
        rows,
        columns=AUDIT_COLUMNS,
        action="audit.export",
        title=gettext_lazy("Audit log"),
        filename="audit-log",
        organisation=(policy.organisations(request.user, "audit.view") or [None])[0],
        level=1,
        form=form,
    )
