"""Fail closed: querysets of sensitive models refuse to run unless scoped.

A sensitive model's default manager returns a `GuardedQuerySet`. It only runs
when it was produced by `policy.scope` (marked scoped) or inside `unscoped()`,
which services, migrations, management commands and the policy itself use.
A view that forgets the policy gets an `UnscopedQueryError`, not data.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.db import models

_unlocked = contextvars.ContextVar("passerelle_unscoped", default=False)


class UnscopedQueryError(RuntimeError):
    pass


@contextmanager
def unscoped():
    token = _unlocked.set(True)
    try:
        yield
    finally:
        _unlocked.reset(token)


class GuardedQuerySet(models.QuerySet):
    _passerelle_scoped = False

    def _clone(self):
        clone = super()._clone()
        clone._passerelle_scoped = self._passerelle_scoped
        return clone

    def mark_scoped(self):
        """Called by the policy module only."""
        clone = self._chain()
        clone._passerelle_scoped = True
        return clone

    def _check(self):
        if not (self._passerelle_scoped or _unlocked.get()):
            raise UnscopedQueryError(
                f"Unscoped query on {self.model._meta.label}: go through passerelle.policy.scope()."
            )

    def _fetch_all(self):
        if self._result_cache is None:
            self._check()
        super()._fetch_all()

    def count(self):
        self._check()
        return super().count()

    def exists(self):
        self._check()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check()
        return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._check()
        return super().iterator(*args, **kwargs)

    def update(self, **kwargs):
        self._check()
        return super().update(**kwargs)

    def delete(self):
        self._check()
        return super().delete()


GuardedManager = models.Manager.from_queryset(GuardedQuerySet)
