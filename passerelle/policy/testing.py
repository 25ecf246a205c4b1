"""Test helpers for the policy: the one check every family must pass."""

from __future__ import annotations

from passerelle.core.guard import unscoped

from . import can, scope
from .registry import family_of


def disagreements(users, queryset, actions) -> list[tuple]:
    """For every user and action, the records on which `can` and `scope` disagree:
    (user, action, pk, can says, scope says). Empty when the family's two forms agree."""
    found = []
    with unscoped():
        objects = list(queryset)
    family_of(queryset.model)  # fails loudly for an unregistered model
    for user in users:
        for action in actions:
            scoped = set(scope(user, queryset.all(), action).values_list("pk", flat=True))
            for obj in objects:
                allowed = can(user, action, obj)
                if allowed != (obj.pk in scoped):
                    found.append((getattr(user, "username", user), action, obj.pk, allowed))
    return found
