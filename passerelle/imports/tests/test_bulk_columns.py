"""core.bulk.insert writes the fields taken as given (read in one call, first) and the converted
ones (after) in whichever order: what is stored is what the ORM stores for the same values,
missing fields taking their defaults."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import models

from passerelle.core import bulk
from passerelle.core.fields import EncryptedTextField, reveal
from passerelle.core.guard import unscoped
from passerelle.incidents.models import Consent, Person, VictimCount
from passerelle.referrals.models import Need
from passerelle.vocabularies.models import Term

pytestmark = pytest.mark.django_db

SKIP = {"id", "public_id", "created_at", "updated_at"}


def _stored(model, public_id=None, pk=None) -> dict:
    """A row as the ORM reads it back, encrypted fields revealed."""
    with unscoped():
        obj = model._base_manager.get(**({"public_id": public_id} if public_id else {"pk": pk}))
    found = {}
    for field in model._meta.concrete_fields:
        if field.attname in SKIP:
            continue
        value = getattr(obj, field.attname)
        found[field.attname] = reveal(value) if isinstance(field, EncryptedTextField) else value
    return found


def _same_through_both(model, values: dict, unique: tuple[str, object]) -> None:
    """`values` written once by bulk.insert and once by the ORM (`unique`: a field given
    another value for the ORM's copy, which a constraint wants unique): the same row comes
    back."""
    by_bulk, by_orm = uuid.uuid4(), uuid.uuid4()
    assert bulk.insert(model, [{**values, "public_id": by_bulk}]) == 1
    name, other = unique
    with unscoped():
        model(**{**values, name: other}, public_id=by_orm).save()
    from_bulk, from_orm = _stored(model, public_id=by_bulk), _stored(model, public_id=by_orm)
    assert from_orm.pop(name) == other and from_bulk.pop(name) == values[name]
    assert from_bulk == from_orm


def test_persons_with_and_without_the_optional_fields(incident):
    group = Term.objects.get(vocabulary=Term.Vocabulary.AGE_GROUP, code="18_59")
    _same_through_both(
        Person,
        {"incident_id": incident.pk, "code": "V07-AAAA", "role": "victim"},
        ("code", "V17-AAAA"),
    )
    _same_through_both(
        Person,
        {
            "incident_id": incident.pk,
            "code": "W08-BBBB",
            "role": "witness",
            "sex": "f",
            "age": 34,
            "age_group_id": group.pk,
            "disability": "yes",
            "full_name": "Awa Bulk",
            "address": "Quartier 4, Gao",
            "full_name_index": "x" * 64,
        },
        ("code", "W18-BBBB"),
    )


def test_consents_and_needs(incident, person, monitor):
    _same_through_both(
        Consent,
        {
            "person_id": person.pk,
            "scope": "referral",
            "given": True,
            "given_at": dt.datetime(2026, 1, 2, 10, tzinfo=dt.UTC),
            "recorded_by_id": monitor.pk,
            "note": "Asked in Songhai",
        },
        ("scope", "case_sharing"),
    )
    _same_through_both(
        Need,
        {
            "incident_id": incident.pk,
            "person_id": person.pk,
            "service_type": "psychosocial_service",
            "identified_on": dt.date(2026, 1, 2),
        },
        ("service_type", "legal_assistance_service"),
    )


def test_a_table_without_public_id(incident):
    group = Term.objects.get(vocabulary=Term.Vocabulary.AGE_GROUP, code="0_4")
    assert bulk.insert(
        VictimCount,
        [{"incident_id": incident.pk, "sex": "m", "age_group_id": group.pk, "count": 3}],
    )
    with unscoped():
        count = VictimCount.objects.get(incident=incident, age_group=group)
    assert (count.sex, count.count) == ("m", 3)


def test_direct_fields_are_the_plain_ones_with_a_constant_default():
    from django.db import connection

    direct = {f.attname for f in Person._meta.concrete_fields if bulk._is_direct(f, connection)}
    assert {"role", "sex", "age", "code", "incident_id", "full_name_index"} <= direct
    # per-row defaults, conversions, encryption and save times go through their converters
    assert not direct & {"public_id", "created_at", "updated_at", "full_name", "phone"}
    assert all(
        not isinstance(Person._meta.get_field(name), models.DateTimeField) for name in direct
    )
