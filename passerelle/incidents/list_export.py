"""The incident list as XLSX: the rows the list shows (its filters, scoped through the policy),
of the organisations where the user holds `incident.export`, level-2 columns only, labels in
the reader's language. Written and audited by `passerelle.core.exports.xlsx_download`.
Records that partners shared are exported from "Shared with us" (their owners' logs record it).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import exports

from .forms import IncidentFilterForm
from .models import Incident
from .views import LIST_RELATED

# what the list fetches (redact reads every visible field), and the region of a commune
RELATED = (*LIST_RELATED, "area__parent__parent")


def _area_at(record, level: int) -> str:
    area = record.area
    found = area.ancestor_at(level) if area is not None else None
    return found.name if found is not None else ""


def _label(term) -> str:
    return term.label if term is not None else ""


COLUMNS = [
    exports.Column(_("Reference"), lambda r: r.reference, 18),
    exports.Column(_("Organisation"), lambda r: r.owner.display_name, 24),
    exports.Column(_("Date of the incident"), lambda r: r.occurred_on, 14),
    exports.Column(_("Date precision"), lambda r: r.date_precision_display, 14),
    exports.Column(_("Date reported"), lambda r: r.reported_on, 14),
    exports.Column(_("Region"), lambda r: _area_at(r, 1), 16),
    exports.Column(_("Cercle"), lambda r: _area_at(r, 2), 16),
    exports.Column(_("P-code"), lambda r: r.area.pcode if r.area is not None else "", 12),
    exports.Column(_("Data category"), lambda r: r.data_category_display, 20),
    exports.Column(_("Framework"), lambda r: _label(r.category.parent if r.category else None)),
    exports.Column(_("Category"), lambda r: _label(r.category), 30),
    exports.Column(_("Sub-type"), lambda r: _label(r.sub_type), 30),
    exports.Column(_("Perpetrator category"), lambda r: _label(r.perpetrator), 24),
    exports.Column(_("Victims"), lambda r: r.victim_total, 10),
    exports.Column(_("Verification status"), lambda r: r.verification_status_display, 18),
    exports.Column(_("Classification level"), lambda r: r.classification, 12),
]


@policy.permission("incident.export")
def incident_xlsx(request):
    form = IncidentFilterForm(request.GET or None)
    orgs = policy.organisations(request.user, "incident.export")
    qs = policy.scope(request.user, Incident.objects.all(), "incident.view")
    qs = qs.filter(owner__in=orgs)
    if form.is_bound and form.is_valid():
        qs = form.apply(qs)
    qs = qs.select_related(*RELATED).prefetch_related("victim_counts", "need_to_know")
    incidents = list(qs)
    policy.prefetch_shared(request.user, incidents)
    # level-2 columns only: building the rows is not a read of level-3 content
    rows = [policy.redact(request.user, i, audit_reads=False) for i in incidents]
    return exports.xlsx_download(
        request.user,
        rows,
        columns=COLUMNS,
        action="incident.export",
        title=_("Incidents"),
        filename="incidents",
        organisation=(orgs or [None])[0],
        level=2,
        form=form,
    )
