"""A referral box as XLSX: the rows the box shows (its filters, scoped through the policy), at
the level the list shows them (no summary, no note, no identity), labels in the reader's
language. Written and audited by `passerelle.core.exports.xlsx_download`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import exports

from .views import BOXES, boxed_referrals


def _area(view) -> str:
    area = view.get("area")
    return area.name if area is not None else ""


COLUMNS = [
    exports.Column(_("Reference"), lambda r: r["referral"].reference, 18),
    exports.Column(_("From"), lambda r: r["referral"].sender.display_name, 22),
    exports.Column(_("To"), lambda r: r["referral"].provider.display_name, 22),
    exports.Column(_("Service"), lambda r: r["referral"].service.display_name, 30),
    exports.Column(_("Service type"), lambda r: r["referral"].service.get_service_type_display()),
    exports.Column(_("Person"), lambda r: r["view"].get("code") or "", 12),
    exports.Column(_("Sex"), lambda r: r["view"].get("sex") or "", 10),
    exports.Column(
        _("Age group"), lambda r: r["view"]["age_group"].label if r["view"].get("age_group") else ""
    ),
    exports.Column(_("Area"), lambda r: _area(r["view"]), 16),
    exports.Column(_("Urgency"), lambda r: r["referral"].get_urgency_display(), 14),
    exports.Column(_("Sent on"), lambda r: r["referral"].sent_at, 16),
    exports.Column(_("Status"), lambda r: r["referral"].get_status_display(), 16),
    exports.Column(_("Follow-up due"), lambda r: r["referral"].follow_up_due, 14),
]


@policy.permission("referral.create", "referral.respond")
def referral_xlsx(request):
    box = request.GET.get("box", "received")
    if box not in BOXES:
        box = "received"
    if box == "received" and not policy.can(request.user, "referral.respond"):
        box = "sent"
    form, qs = boxed_referrals(request, box)
    referrals = list(qs)
    policy.prefetch_shared(request.user, [r.person.incident for r in referrals])
    rows = [
        {"referral": r, "view": policy.redact_referral(request.user, r, audit_reads=False)}
        for r in referrals
    ]
    action = "referral.respond" if box == "received" else "referral.create"
    return exports.xlsx_download(
        request.user,
        rows,
        columns=COLUMNS,
        action="referral.export",
        title=_("Referrals"),
        filename=f"referrals-{box}",
        organisation=(policy.organisations(request.user, action) or [None])[0],
        level=min(3, max((r["view"]["level"] for r in rows), default=0)),
        form=form,
    )
