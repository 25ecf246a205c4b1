"""The action points list as XLSX: the rows the list shows (its filters, scoped through the
policy), labels in the reader's language. Written and audited by
`passerelle.core.exports.xlsx_download`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import exports

from .models import ActionPointQuerySet
from .views import filtered_action_points


def _overdue(ap, today) -> object:
    if ap.due_on < today and ap.status in ActionPointQuerySet.OPEN:  # as `.overdue(today)`
        return _("Yes")
    return ""


def columns(today):
    return [
        exports.Column(_("Due on"), lambda a: a.due_on, 12),
        exports.Column(_("Overdue"), lambda a: _overdue(a, today), 10),
        exports.Column(_("Body"), lambda a: a.body.acronym, 14),
        exports.Column(_("Meeting"), lambda a: a.meeting.held_on if a.meeting_id else None, 12),
        exports.Column(_("Action"), lambda a: a.text, 60),
        exports.Column(_("Responsible"), lambda a: a.owner.display_name, 22),
        exports.Column(
            _("Person responsible"),
            lambda a: a.owner_user.display_name if a.owner_user_id else "",
            22,
        ),
        exports.Column(_("Status"), lambda a: a.get_status_display(), 14),
        exports.Column(_("Done on"), lambda a: a.done_on, 12),
    ]


@policy.permission("coordination.view")
def action_points_xlsx(request):
    form, qs, today = filtered_action_points(request)
    return exports.xlsx_download(
        request.user,
        qs,
        columns=columns(today or timezone.localdate()),
        action="action_point.export",
        title=_("Action points"),
        filename="action-points",
        organisation=(policy.organisations(request.user, "coordination.view") or [None])[0],
        level=0,
        form=form,
    )
