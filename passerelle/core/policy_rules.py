"""The core's derived actions, registered with the policy when the app is ready.

`jobs.run` — queue a scheduled job now from the "Scheduled jobs" page: the system
administrators' (those who hold `admin.access`, who run the platform). The page itself
declares `admin.access` (tests/test_urls_declare_permissions.py)."""

from passerelle.policy.registry import register_action


def _runs_jobs(user, obj=None) -> bool:
    from passerelle import policy

    return bool(getattr(user, "is_authenticated", False)) and policy.can(user, "admin.access")


register_action("jobs.run", _runs_jobs)
