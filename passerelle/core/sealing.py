"""Data migrations that encrypt a column in place, and decrypt it back.

Used when a clear text column becomes an `EncryptedTextField`: the schema change keeps the
stored text, then `seal_column` encrypts every clear value with the row's associated data.
It is idempotent (a value that already decrypts with this row's context is left alone), so
a migration interrupted half-way can be run again; `unseal_column` is its reverse.
"""

from __future__ import annotations

from collections.abc import Callable

from . import crypto
from .fields import Sealed


def _rows(model, field):
    manager = model._base_manager
    return manager.exclude(**{f"{field.name}__isnull": True}).values_list(
        "pk", field.bind, field.name
    )


def seal_column(model, name: str, *, normalise: Callable[[str], str] | None = None) -> int:
    """Encrypt the clear values of `model.name`; returns how many rows were encrypted."""
    field = model._meta.get_field(name)
    done = 0
    for pk, bound, value in list(_rows(model, field).iterator()):
        raw = value.token if isinstance(value, Sealed) else str(value or "")
        if raw == "":
            continue
        context = f"{field.context}#{bound}"
        try:
            crypto.decrypt(raw, context)
            continue  # already encrypted for this row
        except crypto.DecryptionError:
            pass
        text = normalise(raw) if normalise else raw
        token = crypto.encrypt(text, context)
        model._base_manager.filter(pk=pk).update(**{name: Sealed(token, context)})
        done += 1
    return done


def unseal_column(model, name: str, *, blank_nulls: bool = False) -> int:
    """Decrypt `model.name` back to clear text (the reverse migration); with `blank_nulls`,
    empty values become "" again for a clear column that is not nullable."""
    field = model._meta.get_field(name)
    done = 0
    if blank_nulls:
        model._base_manager.filter(**{f"{name}__isnull": True}).update(
            **{name: Sealed("", field.context)}
        )
    for pk, bound, value in list(_rows(model, field).iterator()):
        if value is None:
            continue
        raw = value.token if isinstance(value, Sealed) else str(value)
        context = f"{field.context}#{bound}"
        try:
            text = crypto.decrypt(raw, context)
        except crypto.DecryptionError:
            if raw.startswith(crypto.PREFIX):
                raise
            continue  # still clear
        model._base_manager.filter(pk=pk).update(**{name: Sealed(text, context)})
        done += 1
    return done


def sealing(app_label: str, model_name: str, *names: str, normalise=None, blank_nulls=True):
    """(forward, backward) functions for `migrations.RunPython`."""

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for name in names:
            seal_column(model, name, normalise=normalise)

    def backward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for name in names:
            unseal_column(model, name, blank_nulls=blank_nulls)
        if schema_editor.connection.vendor == "postgresql":
            # The column is altered next; PostgreSQL refuses that while the updates' deferred
            # foreign-key checks are pending.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    return forward, backward
