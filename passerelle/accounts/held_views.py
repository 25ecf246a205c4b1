"""The idle timeout's two pages: the keep-alive the warning's button calls, and the form kept
when the timeout ended a session on a POST (passerelle/core/held.py)."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core import held

MEMBER = "dashboard.view"  # every member: these pages are about the user's own session


@policy.permission(MEMBER)
@require_POST
def keep_alive(request):
    """Nothing to do: reaching the application resets the idle clock (IdleTimeoutMiddleware)."""
    return HttpResponse(status=204)


@policy.permission(MEMBER)
@never_cache
def held_submission(request, public_id):
    """Offer the user their own kept form: send it again (fresh CSRF token) or discard it."""
    kept = held.get_held(request.user, public_id)
    if request.method == "POST":
        held.discard_held(request.user, held=kept, outcome="discarded")
        return redirect(kept.path)
    context = {
        "held": kept,
        "fields": held.held_fields(request.user, kept),
        "mark": held.MARK,
    }
    return render(request, "accounts/held.html", context)
