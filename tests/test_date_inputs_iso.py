"""Every date input renders its value in ISO, whatever the language.

A browser's `<input type="date">` accepts only `2026-12-04`; French formatting (`04/12/2026`)
showed the field empty and saving the form erased the date. This walks every form class of the
project (every module of `passerelle`, GET filter forms in views included) and renders each of
its date and date-time fields in French.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

import passerelle
from passerelle.core.forms import IsoDateInput, IsoDateTimeInput

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 4)
MOMENT = dt.datetime(2026, 12, 4, 9, 30)


def _project_modules():
    for info in pkgutil.walk_packages(passerelle.__path__, "passerelle."):
        parts = info.name.split(".")
        if {"tests", "migrations"} & set(parts):
            continue
        yield importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_form_classes():
    list(_project_modules())
    return sorted(
        {c for c in _subclasses(forms.BaseForm) if c.__module__.startswith("passerelle.")},
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def _fields(form_class):
    """The class's declared fields, and those its constructor adds when it can be built bare."""
    fields = dict(form_class.base_fields)
    with contextlib.suppress(Exception):  # a form needing arguments: its declared fields
        fields.update(form_class().fields)
    return fields


def _date_fields():
    found = []
    for form_class in project_form_classes():
        for name, field in _fields(form_class).items():
            is_date_widget = isinstance(field.widget, forms.DateInput | forms.DateTimeInput)
            if isinstance(field, forms.DateField | forms.DateTimeField) or is_date_widget:
                found.append((f"{form_class.__module__}.{form_class.__qualname__}.{name}", field))
    return found


def test_the_walk_finds_the_date_fields_of_every_app():
    names = [name for name, _field in _date_fields()]
    for expected in (
        "passerelle.incidents.forms.IncidentForm.reported_on",
        "passerelle.incidents.forms.IncidentFilterForm.date_from",
        "passerelle.referrals.forms.",
        "passerelle.referrals.gap_views.",
        "passerelle.directory.forms.FocalPointForm.since",
        "passerelle.sharing.protocol_forms.",
        "passerelle.inforequests.forms.",
        "passerelle.coordination.",
    ):
        assert any(n.startswith(expected) for n in names), expected
    assert len(names) >= 20, names


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_date_input_renders_iso_whatever_the_language(language):
    wrong = []
    with translation.override(language):
        for name, field in _date_fields():
            widget = field.widget
            if isinstance(field, forms.DateTimeField):
                ok = isinstance(widget, IsoDateTimeInput)
                html = widget.render("x", MOMENT)
                ok = ok and 'type="datetime-local"' in html and 'value="2026-12-04T09:30"' in html
            else:
                ok = isinstance(widget, IsoDateInput)
                html = widget.render("x", DAY)
                ok = ok and 'type="date"' in html and 'value="2026-12-04"' in html
            if not ok:
                wrong.append(f"{name}: {html}")
    assert not wrong, "\n".join(wrong)


def test_a_plain_date_input_would_be_caught_in_french():
    """The check above can fail: Django's own DateInput writes the French format."""
    with translation.override("fr"):
        html = forms.DateInput(attrs={"type": "date"}).render("x", DAY)
    assert 'value="04/12/2026"' in html


def test_the_french_incident_edit_page_shows_its_dates_in_iso(client_for, monitor, incident):
    from django.urls import reverse

    client = client_for(monitor, language="fr")
    url = reverse("incidents:edit", kwargs={"public_id": incident.public_id})
    html = client.get(url).content.decode()
    assert 'lang="fr"' in html
    assert f'name="occurred_on" value="{incident.occurred_on.isoformat()}"' in html
    assert incident.occurred_on.strftime("%d/%m/%Y") not in html
