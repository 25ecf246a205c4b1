"""DRF's permission class is the policy's: each API view declares, per HTTP method, the action
it needs (`policy_actions`), as the pages declare theirs with `@policy.permission`; the view's
`passerelle_permission` (what the URL walk reads) is the set of them. A user who holds the
action in no organisation gets a 403, audited; records are then fetched through
`policy.scope` / `policy.get_or_404` in the view, for every family alike."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from passerelle import policy
from passerelle.core.audit import home_organisation


def actions_of(view, method: str) -> tuple[str, ...]:
    declared = getattr(view, "policy_actions", {})
    method = "GET" if method == "HEAD" else method
    found = declared.get(method, ())
    return (found,) if isinstance(found, str) else tuple(found)


class PolicyPermission(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False  # 401 (NotAuthenticated): DRF asks the authenticators for a header
        actions = actions_of(view, request.method)
        if not actions:
            return True  # a method the view does not serve: 405 follows
        if any(policy.can(user, action) for action in actions):
            return True
        # under the user's own organisation, like the pages' refusals
        policy.audit_refusal(user, " | ".join(actions), organisation=home_organisation(user))
        return False
