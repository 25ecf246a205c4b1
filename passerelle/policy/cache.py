"""Decisions cached for one request, never on the `User` object.

A request opens a fresh cache (`PolicyCacheMiddleware`, or `request_cache()` for a command or
a task); everything the policy read for a user in it — memberships, open break-glass accesses,
the disclosures of a page of records — is kept there and dropped when the request ends, or at
once by `forget(user)` after a change.

Outside a request (services run from a shell, tests calling the policy directly) each user
object gets its own short-lived cache, dropped with the object: the same lifetime the old
attributes had, without writing on the user.
"""

from __future__ import annotations

import contextvars
import weakref
from contextlib import contextmanager

_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "passerelle_policy_cache", default=None
)
_by_object: dict[int, dict] = {}  # id(user) -> cache, outside a request


def for_user(user) -> dict:
    """The cache of decisions about this user in the current request (a plain dict)."""
    scoped = _request.get()
    if scoped is not None:
        return scoped.setdefault(user.pk, {})
    key = id(user)
    cache = _by_object.get(key)
    if cache is None:
        cache = _by_object[key] = {}
        try:
            weakref.finalize(user, _by_object.pop, key, None)
        except TypeError:  # an object that cannot be weakly referenced: do not cache
            del _by_object[key]
    return cache


def forget(user) -> None:
    """Drop what is cached about this user (after their memberships or accesses change)."""
    scoped = _request.get()
    if scoped is not None:
        scoped.pop(getattr(user, "pk", None), None)
    _by_object.pop(id(user), None)


@contextmanager
def request_cache():
    """Open a fresh cache for the duration of a request (or a command, or a task)."""
    token = _request.set({})
    try:
        yield
    finally:
        _request.reset(token)


class PolicyCacheMiddleware:
    """One policy cache per request, dropped when the response is built."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_cache():
            return self.get_response(request)
