"""Every view declares the permission it needs, or that it is public.

`@permission("incident.view")` logs the user in if needed and refuses (403,
audited) a user who holds the action in no organisation (`@permission("a", "b")`:
who holds neither); object checks happen in the view through `get_or_404`.
`tests/test_urls_declare_permissions.py` walks every URL, fails on a view that
declares neither, and compares each declaration with its table of expected actions.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ATTR = "passerelle_permission"
PUBLIC = "__public__"


def permission(*actions: str):
    """Declare the action a view needs; several actions mean "any of them" (a view serving
    both sides of a referral: the sender's `referral.create` or the provider's
    `referral.respond`). The declaration is the action's name, or the tuple of names."""
    if not actions or not all(isinstance(a, str) and a for a in actions):
        raise TypeError("permission() takes one or more action names")
    declared = actions[0] if len(actions) == 1 else tuple(actions)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from passerelle.core.audit import home_organisation

            from .gate import audit_refusal, can

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(can(request.user, action) for action in actions):
                # under the user's own organisation, so that its administrators see it
                audit_refusal(
                    request.user,
                    " | ".join(actions),
                    organisation=home_organisation(request.user),
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapped, ATTR, declared)
        return wrapped

    return decorator


def public(view):
    setattr(view, ATTR, PUBLIC)
    return view
