"""The system administrators' card on the home page (`{% jobs_cards %}`): the scheduled jobs
whose last run failed, linking to the "Scheduled jobs" page."""

from django import template

from passerelle import policy

register = template.Library()


@register.inclusion_tag("core/_jobs_card.html", takes_context=True)
def jobs_cards(context):
    user = context["request"].user
    if not policy.can(user, "admin.access"):
        return {"card": None}
    from passerelle.core import jobs
    from passerelle.core.models import JobRun

    bad = {JobRun.Status.FAILED, JobRun.Status.RETRYING}
    rows = jobs.status_rows()
    failing = sum(1 for row in rows if row["last"] is not None and row["last"].status in bad)
    return {"card": {"jobs": len(rows), "failing": failing, "queue": jobs.queue_state()}}
