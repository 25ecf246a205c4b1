"""Every view declares the permission it needs, or that it is public.

`@permission("incident.view")` logs the user in if needed and refuses (403,
audited) a user who holds the action in no organisation; object checks happen
in the view through `get_or_404`. `tests/test_urls_declare_permissions.py` walks
every URL and fails on a view that declares neither.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ATTR = "passerelle_permission"
PUBLIC = "__public__"


def permission(action: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from .gate import audit_refusal, can

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                audit_refusal(request.user, action)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapped, ATTR, action)
        return wrapped

    return decorator


def public(view):
    setattr(view, ATTR, PUBLIC)
    return view
