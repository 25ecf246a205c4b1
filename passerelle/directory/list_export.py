"""The directory of focal points as XLSX: the rows the directory shows (its filters; the
directory is read by every member, as its page is), work contacts only, labels in the
reader's language. Written and audited by `passerelle.core.exports.xlsx_download`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import exports

from .entry_points import deputy_of
from .views import filtered_focal_points


def _areas(fp) -> str:
    names = [a.name for a in fp.areas.all()]
    return ", ".join(names) if names else str(_("Whole country"))


COLUMNS = [
    exports.Column(_("Name"), lambda fp: fp.name, 24),
    exports.Column(_("Function"), lambda fp: fp.title, 24),
    exports.Column(_("Organisation"), lambda fp: fp.organisation.display_name, 28),
    exports.Column(_("Acronym"), lambda fp: fp.organisation.acronym, 12),
    exports.Column(_("Thematic area"), lambda fp: fp.thematic_area.name, 28),
    exports.Column(_("Areas covered"), _areas, 30),
    exports.Column(_("Duty station"), lambda fp: fp.place.name if fp.place_id else "", 16),
    exports.Column(_("Deputy"), deputy_of, 22),
    exports.Column(_("Work e-mail"), lambda fp: fp.email, 28),
    exports.Column(_("Work phone"), lambda fp: fp.phone, 18),
    exports.Column(_("Since"), lambda fp: fp.since, 12),
    exports.Column(_("Until"), lambda fp: fp.until, 12),
]


@policy.permission("directory.view")
def directory_xlsx(request):
    form, queryset, _past = filtered_focal_points(request)
    return exports.xlsx_download(
        request.user,
        queryset,
        columns=COLUMNS,
        action="directory.export",
        title=_("Focal points"),
        filename="focal-points",
        organisation=(policy.organisations(request.user, "directory.view") or [None])[0],
        level=0,
        form=form,
    )
