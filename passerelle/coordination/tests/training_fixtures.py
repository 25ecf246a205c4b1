"""Helpers for the training tests (imported by them; the folder's conftest is not ours)."""

from __future__ import annotations

import datetime as dt

from passerelle.coordination.models import Training

D = dt.date
START = D(2013, 9, 2)


def make_training(provider, area, *, start=START, days=3, **fields) -> Training:
    """A training recorded directly (test set-up; the services are tested on their own)."""
    values = {
        "title": "Protection des civils",
        "topic": "poc",
        "audience": "mission_military",
        "participants": 20,
    }
    values.update(fields)
    return Training.objects.create(
        provider=provider,
        area=area,
        starts_on=start,
        ends_on=start + dt.timedelta(days=days - 1),
        **values,
    )


def form_data(provider, area, **changes) -> dict:
    """POST data for the training form."""
    data = {
        "provider": provider.pk,
        "title": "Droit international humanitaire — MINUSMA Mopti",
        "topic": "ihl",
        "audience": "mission_military",
        "area": area.pk,
        "starts_on": "2013-10-07",
        "ends_on": "2013-10-09",
        "participants": "30",
        "women": "4",
        "language": "Français",
        "note": "Exercice sur scénario.",
    }
    data.update(changes)
    return data
