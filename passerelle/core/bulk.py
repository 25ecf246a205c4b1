"""Bulk inserts for the one import path and the audit log's `record_many`: rows given as
plain dicts, written by `executemany` in the caller's transaction.

Why not `bulk_create`: for each value of each row, Django's insert compiler resolves
expressions, compiles placeholders and re-checks the field (measured: three quarters of the
import's time on 65,000 rows went there, the database's own share a tenth). Here each
field's conversion is chosen once per call, and each value goes through the same field
methods the compiler would call (`get_db_prep_save`; `EncryptedTextField` encrypts with the
row's own associated data, as its `pre_save` does; `auto_now`/`auto_now_add` take one
time), so what is stored is what `bulk_create` would have stored.

A row dict maps a field's `attname` (`incident_id`, `public_id`...) to its value; a missing
field takes its default. Encrypted fields take plaintext (an empty value is stored as NULL).
"""

from __future__ import annotations

import json
import operator
import uuid
from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from . import crypto
from .fields import EncryptedTextField, Sealed

CHUNK = 1000


class Raw:
    """A value already in the database's form (converted once by the caller for many rows,
    e.g. the same JSON document): written as it is."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _to_db(field, conn) -> Callable[[object], object]:
    """The field's conversion of a (non-None) Python value, chosen once: the backend's own
    adapters for the types that need one, `get_db_prep_save` for any other non-plain field."""
    ops = conn.ops
    if isinstance(field, models.UUIDField):
        if conn.features.has_native_uuid_field:
            return lambda value: value
        return lambda value: value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: ops.adapt_json_value(value, encoder)
    if isinstance(
        field,
        models.CharField
        | models.TextField
        | models.IntegerField
        | models.BooleanField
        | models.ForeignKey,
    ) and not isinstance(field, EncryptedTextField):
        return None  # the driver takes the value as it is
    return lambda value: field.get_db_prep_save(value, conn)


def _converter(field, now, conn) -> Callable[[dict], object]:
    """How a row dict gives this field's stored value."""
    name = field.attname
    if isinstance(field, EncryptedTextField):
        context, bind = field.context, field.bind

        def encrypt(row):  # as EncryptedTextField.pre_save, bound to the row's own `bind`
            value = row.get(name)
            if value is None:
                return None
            if isinstance(value, Sealed):
                return value.token
            value = str(value)
            if value == "":
                return None
            return crypto.encrypt(value, f"{context}#{row[bind]}")

        return encrypt
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        stored = field.get_db_prep_save(now, conn)
        return lambda row: stored
    default = field.get_default
    to_db = _to_db(field, conn)
    if to_db is not None:
        last = [None, None]  # the previous value and its conversion (often the same time)

        def prepared(row):
            value = row[name] if name in row else default()
            if value is None:
                return None
            if value.__class__ is Raw:
                return value.value
            if value is not last[0]:
                last[0], last[1] = value, to_db(value)
            return last[1]

        return prepared

    def plain(row):
        return row[name] if name in row else default()

    return plain


def _is_direct(field, conn) -> bool:
    """Written as the row gives it (no conversion, not encrypted, not a time set on save), and
    missing, a constant default (not one computed per row such as a new public id)."""
    return (
        not isinstance(field, EncryptedTextField)
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
        and _to_db(field, conn) is None
        and not (field.has_default() and callable(field.default))
    )


def insert(model: type[models.Model], rows: Iterable[dict], *, now=None) -> int:
    """INSERT `rows` (dicts by attname) into `model`'s table; returns how many. Primary keys
    are left to the database (read them back by `public_id` when needed, `pks_by_public_id`)."""
    now = now or timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]
    conn = connections[DEFAULT_DB_ALIAS]
    # Fields the driver takes as given, with a constant default, are read from the row laid
    # over their defaults by one C call (`itemgetter`), written first; the others follow, each
    # through its converter (a Python call per value costs more than the database's share).
    direct = [f for f in fields if _is_direct(f, conn)]
    converted = [f for f in fields if f not in direct]
    fields = direct + converted
    defaults = {f.attname: f.get_default() for f in direct}
    names = [f.attname for f in direct]
    if len(names) > 1:
        getter = operator.itemgetter(*names)
    else:  # itemgetter of one name gives the value, not a tuple
        getter = (lambda row: (row[names[0]],)) if names else (lambda row: ())
    converters = [_converter(f, now, conn) for f in converted]

    def values(row: dict) -> tuple:
        return getter(defaults | row) + tuple([convert(row) for convert in converters])

    quote = conn.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    if conn.vendor == "postgresql":
        flush = _unnest_writer(fields, conn, table, columns)
    else:
        # SQLite: executemany reuses one prepared statement, the fastest way in. Names from
        # the model's own meta, quoted; every value is a parameter.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            table, columns, ", ".join(["%s"] * len(fields))
        )

        def flush(cursor, batch: list[tuple]) -> None:
            cursor.executemany(sql, batch)

    written = 0
    batch: list[tuple] = []
    with conn.cursor() as cursor:
        for row in rows:
            batch.append(values(row))
            if len(batch) >= CHUNK:
                flush(cursor, batch)
                written += len(batch)
                batch = []
        if batch:
            flush(cursor, batch)
            written += len(batch)
    return written


def _unnest_writer(fields, conn, table: str, columns: str):
    """PostgreSQL: one statement per batch, one array parameter per column
    (`INSERT ... SELECT * FROM unnest(%s::uuid[], %s::text[], ...)`): executemany sends a
    statement per row, and a VALUES list of 65,000 placeholders costs the driver more than
    the server."""
    casts, selects = [], []
    json_columns = []
    for index, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            casts.append("%s::text[]")
            selects.append(f"c{index}::jsonb")
            json_columns.append(index)
        else:
            casts.append(f"%s::{field.db_type(conn)}[]")
            selects.append(f"c{index}")
    names = ", ".join(f"c{index}" for index in range(len(fields)))
    sql = "INSERT INTO {} ({}) SELECT {} FROM unnest({}) AS u({})".format(  # noqa: S608
        table, columns, ", ".join(selects), ", ".join(casts), names
    )

    def as_text(value):
        if value is None or isinstance(value, str):
            return value
        return json.dumps(getattr(value, "obj", value))  # psycopg's Jsonb wrapper

    def flush(cursor, batch: list[tuple]) -> None:
        arrays = [list(column) for column in zip(*batch, strict=True)]
        for index in json_columns:
            arrays[index] = [as_text(value) for value in arrays[index]]
        cursor.execute(sql, arrays)

    return flush


def pks_by_public_id(model: type[models.Model], public_ids: list) -> dict[uuid.UUID, int]:
    """The primary keys of rows just inserted, by public id (one query per 2,000)."""
    found: dict[uuid.UUID, int] = {}
    manager = model._base_manager
    for start in range(0, len(public_ids), 2000):
        chunk = public_ids[start : start + 2000]
        found.update(manager.filter(public_id__in=chunk).values_list("public_id", "pk"))
    return found
