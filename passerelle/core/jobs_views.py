"""The "Scheduled jobs" page (system administrators): each job, its schedule, last run,
next due time and recent failures, and a "Run now" button (audited)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from passerelle import policy

from . import jobs


def _schedule_text(schedule: dict | None) -> str:
    if schedule is None:
        return _("On demand")
    if schedule["kind"] == "daily":
        return _("Every day at %(time)s UTC") % {"time": schedule["time"]}
    minutes = schedule["minutes"]
    return ngettext("Every minute", "Every %(minutes)d minutes", minutes) % {"minutes": minutes}


@policy.permission("admin.access")
def job_list(request):
    rows = jobs.status_rows()
    for row in rows:
        row["schedule_text"] = _schedule_text(row["schedule"])
    return render(request, "core/jobs.html", {"rows": rows, "queue": jobs.queue_state()})


@require_POST
@policy.permission("admin.access")
def job_run(request, name):
    if name not in jobs.registry():
        raise Http404
    jobs.run_now(request.user, name=name)
    messages.success(
        request,
        _("The job “%(job)s” is queued: the jobs worker runs it within a few seconds.")
        % {"job": jobs.get(name).label},
    )
    return redirect("core:jobs")
