"""Named sequences: references that are unique by construction, also under concurrency.

`next_value(name)` increments the `Counter` row `name` with one UPDATE (value = value + 1)
inside the caller's transaction. The row stays locked until that transaction ends
(PostgreSQL: row lock; SQLite: the write lock of the IMMEDIATE transaction, see
config/settings.py), so two writers can never receive the same value and a rolled-back
writer gives its number back. The first use creates the row; two writers creating it at
once are told apart by the unique name (the loser's insert fails inside a savepoint and it
increments the winner's row instead).

`next_reference(...)` turns a value into "<prefix><zero-padded number>". A new counter is
seeded from the references already stored under that prefix (data written before counters
existed, or renumbered by the demo loader), and a number whose reference is already taken is
skipped, so new references never collide with existing ones.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, models, transaction

from . import audit
from .guard import unscoped
from .models import Counter


def next_value(name: str, *, seed: Callable[[], int] | None = None) -> int:
    """The next value of counter `name` (1, 2, 3...); `seed()` gives the value a new counter
    starts from (the first value handed out is seed() + 1)."""
    with transaction.atomic():
        # PostgreSQL: take the audit log's append lock first (held to the end of the
        # transaction, as audit.record does), so that every writer takes the two locks in the
        # same order and a transaction that audited before asking for a number cannot deadlock
        # with one that holds the number and waits to audit.
        audit._lock_for_append()
        if not Counter.objects.filter(name=name).update(value=models.F("value") + 1):
            start = seed() if seed else 0
            try:
                with transaction.atomic():  # savepoint: a concurrent creator may win
                    Counter.objects.create(name=name, value=start + 1)
                return start + 1
            except IntegrityError:
                Counter.objects.filter(name=name).update(value=models.F("value") + 1)
        return Counter.objects.filter(name=name).values_list("value", flat=True).get()


def reserve(name: str, count: int, *, seed: Callable[[], int] | None = None) -> range:
    """`count` consecutive values of counter `name` at once (for bulk writers), with the
    guarantees of `next_value`: one UPDATE (value = value + count), the row locked to the end
    of the caller's transaction, the numbers given back if it rolls back."""
    if count <= 0:
        return range(0)
    with transaction.atomic():
        audit._lock_for_append()  # the lock order of next_value (see there)
        if not Counter.objects.filter(name=name).update(value=models.F("value") + count):
            start = seed() if seed else 0
            try:
                with transaction.atomic():  # savepoint: a concurrent creator may win
                    Counter.objects.create(name=name, value=start + count)
                return range(start + 1, start + count + 1)
            except IntegrityError:
                Counter.objects.filter(name=name).update(value=models.F("value") + count)
        last = Counter.objects.filter(name=name).values_list("value", flat=True).get()
        return range(last - count + 1, last + 1)


def advance(name: str, *, to_at_least: int) -> None:
    """Make sure counter `name` never hands out `to_at_least` or a lower value again
    (for loaders that number records themselves)."""
    with transaction.atomic():
        counter = Counter.objects.filter(name=name)
        if counter.filter(value__lt=to_at_least).update(value=to_at_least) or counter.exists():
            return
        try:
            with transaction.atomic():
                Counter.objects.create(name=name, value=to_at_least)
        except IntegrityError:
            counter.filter(value__lt=to_at_least).update(value=to_at_least)


def restart(model: type[models.Model]) -> int:
    """Forget the reference counters of `model`: each starts again after the references
    stored under its prefix (for loaders that renumber records themselves, like the demo;
    never needed otherwise). Returns how many counters were forgotten."""
    return Counter.objects.filter(name__startswith=f"{model._meta.label_lower}:").delete()[0]


def counter_name(model: type[models.Model], prefix: str) -> str:
    return f"{model._meta.label_lower}:{prefix}"


def next_reference(
    *,
    prefix: str,
    width: int,
    model: type[models.Model],
    field: str = "reference",
) -> str:
    """A new reference "<prefix><number, at least `width` digits>" for `model.field`, not yet
    used by any stored row. Call it inside the transaction that saves the row. The counter
    is named after the model and the prefix (`counter_name`)."""
    name = counter_name(model, prefix)
    manager = model._base_manager

    def taken(reference: str) -> bool:
        with unscoped():
            return manager.filter(**{field: reference}).exists()

    def seed() -> int:
        with unscoped():
            return manager.filter(**{f"{field}__startswith": prefix}).count()

    with transaction.atomic():
        while True:
            reference = f"{prefix}{next_value(name, seed=seed):0{width}d}"
            if not taken(reference):
                return reference


def reserve_references(
    *,
    prefix: str,
    width: int,
    model: type[models.Model],
    count: int,
    field: str = "reference",
) -> list[str]:
    """`count` new references under `prefix`, none used by a stored row (those taken are
    skipped, as `next_reference` does): for bulk writers, one reservation per block."""
    name = counter_name(model, prefix)
    manager = model._base_manager

    def seed() -> int:
        with unscoped():
            return manager.filter(**{f"{field}__startswith": prefix}).count()

    references: list[str] = []
    with transaction.atomic():
        while len(references) < count:
            block = [
                f"{prefix}{n:0{width}d}" for n in reserve(name, count - len(references), seed=seed)
            ]
            taken: set[str] = set()
            with unscoped():
                for start in range(0, len(block), 2000):  # bounded IN lists (SQLite)
                    chunk = block[start : start + 2000]
                    lookup = manager.filter(**{f"{field}__in": chunk})
                    taken.update(lookup.values_list(field, flat=True))
            references.extend(r for r in block if r not in taken)
    return references
