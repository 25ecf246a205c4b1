"""The mapping of trainings given by many actors: writes (actor first, atomic, audited) and the
detection of likely duplicates.

Trainings are directory data, not case data: every holder of `coordination.view` reads all of
them. An organisation's trainings are recorded by its holders of `coordination.manage`; the
holders of `directory.manage` (IM officers) keep the whole mapping, for every provider.

Two trainings are *likely duplicates* when they have the same topic and the same audience,
their areas are the same or one contains the other (by P-code prefix: a training for the Mopti
region overlaps one for a cercle of Mopti; two different cercles do not), and their periods
overlap, give or take a window of days. `likely_duplicates` finds the pairs by grouping on
topic and audience, sorting by start date and sweeping, with the trainings still running kept
in an index by P-code prefix, so that it never compares every pair of the table.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.accounts.models import Organisation
from passerelle.core import audit
from passerelle.core.errors import DomainError

from .models import Audience, Training, TrainingTopic

FIELDS = (
    "provider",
    "title",
    "topic",
    "audience",
    "area",
    "starts_on",
    "ends_on",
    "participants",
    "women",
    "language",
    "note",
)
REQUIRED = ("provider", "title", "topic", "audience", "area", "starts_on", "ends_on")
MAX_WINDOW_DAYS = 365

# --------------------------------------------------------------------------- who may write


def managed_providers(actor):
    """The organisations whose trainings `actor` may record."""
    if policy.can(actor, "directory.manage"):
        return Organisation.objects.filter(active=True)
    ids = [o.pk for o in policy.organisations(actor, "coordination.manage")]
    return Organisation.objects.filter(pk__in=ids, active=True)


def may_manage(actor, provider) -> bool:
    """May `actor` record, change or delete the trainings given by `provider`?"""
    if provider is None:
        return False
    if policy.can(actor, "directory.manage"):
        return True
    return any(o.pk == provider.pk for o in policy.organisations(actor, "coordination.manage"))


def _require_manager(actor, provider, training=None) -> None:
    if may_manage(actor, provider):
        return
    policy.audit_refusal(actor, "coordination.manage", training, organisation=provider)
    raise DomainError(
        _("You may not record the trainings of %(org)s.") % {"org": provider},
        field="provider",
        code="not_permitted",
    )


# --------------------------------------------------------------------------- writes


def _check(values: dict) -> None:
    """The rules a training obeys, each refusal at its field, in the user's language."""
    for name in REQUIRED:
        if values.get(name) in (None, ""):
            raise DomainError(_("This field is required."), field=name, code="required")
    if values["topic"] not in TrainingTopic.values:
        raise DomainError(_("Choose a topic from the list."), field="topic")
    if values["audience"] not in Audience.values:
        raise DomainError(_("Choose an audience from the list."), field="audience")
    if values["ends_on"] < values["starts_on"]:
        raise DomainError(_("The training cannot end before it starts."), field="ends_on")
    participants = values.get("participants")
    if participants is None:
        participants = 0
    if participants < 0:
        raise DomainError(_("The number of participants cannot be negative."), field="participants")
    women = values.get("women")
    if women is not None and women < 0:
        raise DomainError(_("The number of women cannot be negative."), field="women")
    if women is not None and women > participants:
        raise DomainError(_("There cannot be more women than participants."), field="women")


@audit.service
def save_training(actor, training: Training | None, *, fields: dict) -> Training:
    """Record a training (`training` None) or change one. `fields` holds the values of
    `FIELDS` (a change may give only some). Refusals raise `DomainError`."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown training fields: {sorted(unknown)}")
    created = training is None
    values = {name: getattr(training, name) for name in FIELDS} if not created else {}
    values.update(fields)
    values.setdefault("participants", 0)
    if not created:
        _require_manager(actor, training.provider, training)
    if values.get("provider") is None:
        raise DomainError(_("This field is required."), field="provider", code="required")
    _require_manager(actor, values["provider"], training)
    _check(values)
    if created:
        training = Training(recorded_by=actor if actor.is_authenticated else None)
    for name in FIELDS:
        value = values.get(name)
        if name in ("language", "note", "title"):
            value = (value or "").strip()
        setattr(training, name, value)
    if not training.title:
        raise DomainError(_("This field is required."), field="title", code="required")
    try:
        training.full_clean(exclude=["recorded_by"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    training.save()
    audit.record(
        actor,
        "training.create" if created else "training.update",
        training,
        organisation=training.provider,
        detail={
            "topic": training.topic,
            "audience": training.audience,
            "area": training.area.pcode,
            "starts_on": training.starts_on.isoformat(),
            "ends_on": training.ends_on.isoformat(),
            "participants": training.participants,
        },
    )
    return training


@audit.service
def delete_training(actor, training: Training) -> None:
    """Remove a training from the mapping (audited, with what it was)."""
    _require_manager(actor, training.provider, training)
    audit.record(
        actor,
        "training.delete",
        training,
        organisation=training.provider,
        detail={
            "topic": training.topic,
            "audience": training.audience,
            "area": training.area.pcode,
            "starts_on": training.starts_on.isoformat(),
            "ends_on": training.ends_on.isoformat(),
        },
    )
    training.delete()


# --------------------------------------------------------------------------- duplicates


def areas_overlap(pcode_a: str, pcode_b: str) -> bool:
    """The same area, or one contains the other (P-codes are hierarchical prefixes)."""
    return pcode_a.startswith(pcode_b) or pcode_b.startswith(pcode_a)


def periods_overlap(a, b, window_days: int = 0) -> bool:
    """Do the periods of two trainings overlap, give or take `window_days`?"""
    window = dt.timedelta(days=window_days)
    return a.ends_on >= b.starts_on - window and b.ends_on >= a.starts_on - window


def is_likely_duplicate(a, b, *, window_days: int = 0) -> bool:
    """The rule, pair by pair (the definition `likely_duplicates` implements efficiently)."""
    return (
        a.pk != b.pk
        and a.topic == b.topic
        and a.audience == b.audience
        and areas_overlap(a.area.pcode, b.area.pcode)
        and periods_overlap(a, b, window_days)
    )


class _Running:
    """The trainings whose period may still overlap the next ones, indexed by area: `exact`
    by P-code, `under` by every prefix of their P-code (so `under[p]` holds the areas within
    p, and the areas containing p are the `exact` entries of p's prefixes)."""

    def __init__(self):
        self.exact: dict[str, dict] = defaultdict(dict)
        self.under: dict[str, dict] = defaultdict(dict)

    def add(self, key, training) -> None:
        pcode = training.area.pcode
        self.exact[pcode][key] = training
        for end in range(1, len(pcode) + 1):
            self.under[pcode[:end]][key] = training

    def remove(self, key, training) -> None:
        pcode = training.area.pcode
        self.exact[pcode].pop(key, None)
        for end in range(1, len(pcode) + 1):
            self.under[pcode[:end]].pop(key, None)

    def overlapping(self, pcode: str) -> list:
        found = dict(self.under.get(pcode, {}))  # the same area and the areas within it
        for end in range(1, len(pcode)):  # the areas containing it
            found.update(self.exact.get(pcode[:end], {}))
        return list(found.values())


def likely_duplicates(trainings: Iterable, *, window_days: int = 0) -> list[tuple]:
    """Pairs `(a, b)` of likely duplicates among `trainings` (each pair once, `a.pk < b.pk`,
    sorted). A training is an object with `pk`, `topic`, `audience`, `area.pcode`,
    `starts_on` and `ends_on` (a `Training` with its area loaded)."""
    window = dt.timedelta(days=max(0, window_days))
    groups: dict[tuple, list] = defaultdict(list)
    for training in trainings:
        groups[(training.topic, training.audience)].append(training)
    pairs: set[tuple] = set()
    by_pk = {}
    for group in groups.values():
        group.sort(key=lambda t: (t.starts_on, t.pk))
        running = _Running()
        ending: list[tuple] = []  # heap of (ends_on + window, position in the group)
        for order, training in enumerate(group):
            by_pk[training.pk] = training
            # Sorted by start: once a training ends (plus the window) before this one starts,
            # it ends before every later one starts too.
            while ending and ending[0][0] < training.starts_on:
                _end, position = heapq.heappop(ending)
                running.remove(position, group[position])
            for other in running.overlapping(training.area.pcode):
                if other.pk != training.pk and training.ends_on >= other.starts_on - window:
                    pairs.add((min(other.pk, training.pk), max(other.pk, training.pk)))
            running.add(order, training)
            heapq.heappush(ending, (training.ends_on + window, order))
    return [(by_pk[a], by_pk[b]) for a, b in sorted(pairs)]


def duplicate_flags(trainings: Iterable, *, window_days: int = 0) -> dict:
    """Training pk → the other trainings it likely duplicates (sorted by start date); only
    the trainings with at least one likely duplicate are keys."""
    flags: dict = defaultdict(list)
    for a, b in likely_duplicates(trainings, window_days=window_days):
        flags[a.pk].append(b)
        flags[b.pk].append(a)
    for others in flags.values():
        others.sort(key=lambda t: (t.starts_on, t.pk))
    return dict(flags)


def candidates_for(trainings: list, *, window_days: int = 0):
    """The recorded trainings that could duplicate one of `trainings` (same topic and audience,
    periods within reach), with their provider and area: what `flags_for` compares."""
    if not trainings:
        return Training.objects.none()
    window = dt.timedelta(days=max(0, window_days))
    kinds = Q()
    for topic, audience in {(t.topic, t.audience) for t in trainings}:
        kinds |= Q(topic=topic, audience=audience)
    return (
        Training.objects.filter(kinds)
        .filter(
            ends_on__gte=min(t.starts_on for t in trainings) - window,
            starts_on__lte=max(t.ends_on for t in trainings) + window,
        )
        .select_related("provider", "area")
        .defer("area__geometry")
    )


def flags_for(trainings: list, *, window_days: int = 0) -> dict:
    """`duplicate_flags` for `trainings` against every recorded training (a list filtered by
    provider or area still shows duplicates given by others or elsewhere)."""
    pool = {t.pk: t for t in candidates_for(trainings, window_days=window_days)}
    pool.update({t.pk: t for t in trainings})
    flags = duplicate_flags(pool.values(), window_days=window_days)
    shown = {t.pk for t in trainings}
    return {pk: others for pk, others in flags.items() if pk in shown}
