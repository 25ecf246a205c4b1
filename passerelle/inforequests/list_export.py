"""A box of requests as XLSX: the rows the box shows (its filters, scoped through the policy),
the columns of the list, labels in the reader's language. Written and audited by
`passerelle.core.exports.xlsx_download`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import exports

from .forms import RequestFilterForm
from .views import BOXES, _default_box, box_queryset


def _named(obj) -> str:
    if obj is None:
        return ""
    return getattr(obj, "display_name", None) or str(obj)


def _routed(r) -> str:
    if r.focal_point_id:
        return r.focal_point.name
    return r.assignee.display_name if r.assignee_id else ""


COLUMNS = [
    exports.Column(_("Reference"), lambda r: r.reference, 16),
    exports.Column(_("Subject"), lambda r: r.subject, 40),
    exports.Column(_("Kind"), lambda r: r.get_kind_display(), 14),
    exports.Column(_("Asked by"), lambda r: _named(r.asker), 20),
    exports.Column(_("Addressed to"), lambda r: _named(r.addressee), 20),
    exports.Column(_("Thematic area"), lambda r: _named(r.thematic_area), 24),
    exports.Column(_("Area"), lambda r: r.area.name if r.area_id else "", 16),
    exports.Column(_("Level"), lambda r: r.level, 8),
    exports.Column(_("Purpose"), lambda r: r.get_purpose_display(), 20),
    exports.Column(_("Asked on"), lambda r: r.created_at, 16),
    exports.Column(_("Needed by"), lambda r: r.due_on, 12),
    exports.Column(_("Status"), lambda r: r.get_status_display(), 14),
    exports.Column(_("Routed to"), _routed, 22),
]


@policy.permission("request.view")
def request_xlsx(request):
    box = request.GET.get("box")
    if box not in BOXES:
        box = _default_box(request.user)
    form = RequestFilterForm(request.GET or None)
    qs = box_queryset(request.user, box)
    if form.is_valid():
        qs = form.filter(qs)
    qs = qs.select_related(
        "asker", "addressee", "thematic_area", "area", "focal_point", "assignee"
    ).defer("area__geometry")
    return exports.xlsx_download(
        request.user,
        qs,
        columns=COLUMNS,
        action="request.export",
        title=_("Requests"),
        filename=f"requests-{box}",
        organisation=(policy.organisations(request.user, "request.view") or [None])[0],
        level=1,
        form=form,
    )
