"""The writing half of the import path (`pipeline.apply`): a checked plan written in the
caller's one transaction — new incidents and everything under them by bulk inserts
(`core.bulk`), edited submissions one by one, one audit event per record (`record_many`)."""

from __future__ import annotations

import uuid
from collections import Counter as Tally
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.core import audit, bulk, sequences
from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.incidents import services as rules
from passerelle.incidents.models import Consent, Incident, Person, VictimCount
from passerelle.incidents.signals import consent_changed
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.referrals.models import Need

from .models import ImportBatch, ImportedSubmission
from .pipeline import (
    _INCIDENT_TERMS,
    _PERSON_TERMS,
    CHUNK,
    CREATE,
    UPDATE,
    ImportCancelled,
    Plan,
    PlannedPerson,
    PlannedRow,
    _rule_message,
    _stored,
    fill,
)

_INCIDENT_FKS = ("area", *_INCIDENT_TERMS)
_INCIDENT_PLAIN = tuple(f for f in rules.INCIDENT_EDITABLE if f not in _INCIDENT_FKS)
_PERSON_FKS = tuple(_PERSON_TERMS)
_PERSON_PLAIN = tuple(f for f in rules.PERSON_EDITABLE if f not in _PERSON_FKS)
_INCIDENT_LABEL = Incident._meta.label
_PERSON_LABEL = Person._meta.label


class Writer:
    """Writes one plan; `run()` inside the caller's transaction, then `result`."""

    def __init__(self, actor, plan: Plan, batch, progress, cancelled):
        self.actor = actor
        self.plan = plan
        self.org = plan.organisation
        self.batch = batch
        self.progress = progress or (lambda done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.tag = str(batch.public_id if batch is not None else plan.id)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.creates = [r for r in plan.rows if r.action == CREATE]
        # An edit of an edit in the same input is written after the edit it follows.
        self.updates = sorted((r for r in plan.rows if r.action == UPDATE), key=lambda r: r.depth)
        self.total = len(self.creates) + len(self.updates)
        self.done = 0
        self.counts = Tally()

    # -- the whole
    def run(self) -> None:
        self._check_cancel()
        with unscoped():
            self._check_not_written_meanwhile()
            references = self._reserve_references()
            for start in range(0, len(self.creates), CHUNK):
                self._check_cancel()
                self._create(self.creates[start : start + CHUNK], references)
                self._step(min(CHUNK, len(self.creates) - start))
            for start in range(0, len(self.updates), CHUNK):
                self._check_cancel()
                self._update(self.updates[start : start + CHUNK])
                self._step(min(CHUNK, len(self.updates) - start))
        self.result = {
            "rows": self.plan.total,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.plan.unchanged,
            "persons": self.counts["persons"],
            "consents": self.counts["consents"],
            "needs": self.counts["needs"],
            "victim_counts": self.counts["victim_counts"],
        }
        audit.record(
            self.actor,
            "import.apply",
            self.batch,
            organisation=self.org,
            detail={
                "import": self.tag,
                "source": self.plan.source,
                **self.result,
            },
        )
        if self.batch is not None:
            self.plan.record_on(self.batch)
            self.batch.status = ImportBatch.Status.APPLIED
            self.batch.result = dict(self.result)
            self.batch.payload = None
            self.batch.finished_at = timezone.now()
            self.batch.save()
        self._check_cancel()  # a cancellation asked during the last batch still counts

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise ImportCancelled

    def _step(self, n: int) -> None:
        self.done += n
        self.progress(self.done, self.total)

    def _check_not_written_meanwhile(self) -> None:
        """The plan was checked before this transaction: refuse it if another import wrote
        one of its submissions since (then nothing is written twice)."""
        items = self.creates + self.updates
        stored = _stored(
            self.org,
            [r.key for r in items] + [r.submission.key for r in items if r.submission],
        )
        for item in items:
            sub, seen = stored.get(item.key), item.submission
            if seen is not None and seen.key == item.key:  # a newer version of a known key
                fresh = sub is not None and sub.version == seen.version and not sub.replaced_by
            else:  # a new key (new, or an edit naming the key it replaces)
                fresh = sub is None
                if seen is not None:
                    current = stored.get(seen.key)
                    fresh = fresh and current is not None and not current.replaced_by
            if not fresh:
                raise DomainError(
                    _(
                        "Another import wrote some of these submissions meanwhile: check the "
                        "file again."
                    ),
                    code="stale",
                )

    def _reserve_references(self) -> dict[str, list[str]]:
        wanted = Tally(
            rules.reference_prefix(self.org, r.values["occurred_on"]) for r in self.creates
        )
        references = {}
        for prefix, n in sorted(wanted.items()):
            numbers = sequences.reserve_references(
                prefix=prefix, width=rules.REFERENCE_WIDTH, model=Incident, count=n
            )
            references[prefix] = numbers[::-1]  # taken with pop(), in ascending order
        return references

    # -- new incidents, in bulk
    def _create(self, items: list[PlannedRow], references: dict) -> None:
        """New incidents and everything under them, by bulk inserts (`core.bulk`: the same
        field conversions as `bulk_create`, identities encrypted with each row's public id,
        without the ORM's per-value overhead)."""
        org, actor_id, now = self.org.pk, getattr(self.actor, "pk", None), self.now
        detail = {"import": self.tag}
        incidents, events = [], []
        for item in items:
            item.person_pks = []
            values = item.values
            row = {name: values[name] for name in _INCIDENT_PLAIN}
            for name in _INCIDENT_FKS:
                value = values[name]
                row[f"{name}_id"] = value.pk if value is not None else None
            prefix = rules.reference_prefix(self.org, values["occurred_on"])
            row.update(
                public_id=uuid.uuid4(),
                owner_id=org,
                recorded_by_id=actor_id,
                reference=references[prefix].pop(),
                data_category=rules._data_category(values["category"]),
            )
            incidents.append(row)
        bulk.insert(Incident, incidents, now=now)
        pks = bulk.pks_by_public_id(Incident, [row["public_id"] for row in incidents])
        counts, persons, planned_persons = [], [], []
        for item, incident in zip(items, incidents, strict=True):
            item.incident_pk = pk = pks[incident["public_id"]]
            events.append(
                audit.Entry(
                    "incident.create",
                    None,
                    self.org,
                    incident["classification"],
                    detail=detail,
                    ref=(_INCIDENT_LABEL, str(incident["public_id"])),
                )
            )
            for (sex, group), n in sorted(
                item.victim_counts.items(), key=lambda kv: (kv[0][0], kv[0][1].pk)
            ):
                counts.append({"incident_id": pk, "sex": sex, "age_group_id": group.pk, "count": n})
            for number, planned in enumerate(item.persons, start=1):
                persons.append(self._person_row(pk, planned, number))
                planned_persons.append((item, planned))
        bulk.insert(VictimCount, counts, now=now)
        bulk.insert(Person, persons, now=now)
        person_pks = bulk.pks_by_public_id(Person, [row["public_id"] for row in persons])
        consents, needs = [], []
        for (item, planned), person in zip(planned_persons, persons, strict=True):
            pk = person_pks[person["public_id"]]
            item.person_pks.append(pk)
            ref = (_PERSON_LABEL, str(person["public_id"]))
            events.append(
                audit.Entry(
                    "person.create",
                    None,
                    self.org,
                    4 if planned.has_identity else 3,
                    detail=detail,
                    ref=ref,
                )
            )
            for scope, given in sorted(planned.consents.items()):
                consents.append(
                    {
                        "public_id": uuid.uuid4(),
                        "person_id": pk,
                        "scope": scope,
                        "given": given,
                        "given_at": now,
                        "recorded_by_id": actor_id,
                    }
                )
                events.append(
                    audit.Entry(
                        "consent.record",
                        None,
                        self.org,
                        detail={"scope": scope, "given": given, "import": self.tag},
                        ref=ref,
                    )
                )
            for service_type in planned.needs:
                needs.append(
                    {
                        "public_id": uuid.uuid4(),
                        "incident_id": item.incident_pk,
                        "person_id": pk,
                        "service_type": service_type,
                        "identified_on": self.today,
                        "outcome": Need.Outcome.PENDING.value,
                        "recorded_by_id": actor_id,
                    }
                )
                events.append(
                    audit.Entry(
                        "need.record",
                        None,
                        self.org,
                        3,
                        detail={
                            "service_type": service_type,
                            "outcome": Need.Outcome.PENDING.value,
                            "import": self.tag,
                        },
                        ref=ref,
                    )
                )
        bulk.insert(Consent, consents, now=now)
        bulk.insert(Need, needs, now=now)
        batch_id = self.batch.pk if self.batch is not None else None
        bulk.insert(
            ImportedSubmission,
            (
                {
                    "organisation_id": org,
                    "key": item.key,
                    "source_key": self.plan.source_key,
                    "incident_id": item.incident_pk,
                    "version": item.source.version,
                    "digest": item.digest,
                    "persons": list(item.person_pks),
                    "replaced_by": "",
                    "batch_id": batch_id,
                }
                for item in items
            ),
            now=now,
        )
        audit.record_many(self.actor, events)
        self.counts.update(
            persons=len(persons),
            consents=len(consents),
            needs=len(needs),
            victim_counts=len(counts),
        )

    def _person_row(self, incident_pk: int, planned: PlannedPerson, number: int) -> dict:
        values = planned.values
        row = {name: values[name] for name in _PERSON_PLAIN}
        for name in _PERSON_FKS:
            value = values[name]
            row[f"{name}_id"] = value.pk if value is not None else None
        row.update(
            public_id=uuid.uuid4(),
            incident_id=incident_pk,
            code=rules.person_code(values["role"], number),
        )
        indexes = SimpleNamespace()
        rules._index(indexes, values)  # the services' blind indexes, on the row's values
        row["full_name_index"] = indexes.full_name_index
        row["phone_index"] = indexes.phone_index
        return row

    def _person(self, incident, planned: PlannedPerson, number: int) -> Person:
        values = dict(planned.values)
        person = Person(
            public_id=uuid.uuid4(),
            incident=incident,
            code=rules.person_code(values["role"], number),
            **values,
        )
        rules._index(person, values)
        return person

    def _consents_and_needs(self, incident, person, planned: PlannedPerson):
        consents, needs, events = [], [], []
        for scope, given in sorted(planned.consents.items()):
            consents.append(
                Consent(
                    public_id=uuid.uuid4(),
                    person=person,
                    scope=scope,
                    given=given,
                    given_at=self.now,
                    recorded_by=self.actor,
                )
            )
            events.append(
                audit.Entry(
                    "consent.record",
                    person,
                    self.org,
                    detail={"scope": scope, "given": given, "import": self.tag},
                )
            )
        for service_type in planned.needs:
            needs.append(
                Need(
                    public_id=uuid.uuid4(),
                    incident=incident,
                    person=person,
                    service_type=service_type,
                    identified_on=self.today,
                    outcome=Need.Outcome.PENDING,
                    recorded_by=self.actor,
                )
            )
            events.append(
                audit.Entry(
                    "need.record",
                    person,
                    self.org,
                    3,
                    detail={
                        "service_type": service_type,
                        "outcome": Need.Outcome.PENDING,
                        "import": self.tag,
                    },
                )
            )
        return consents, needs, events

    # -- edited submissions, one by one (rare)
    def _update(self, items: list[PlannedRow]) -> None:
        events: list[audit.Entry] = []
        for item in items:
            if item.replaces_row is not None:
                target = item.replaces_row
                incident_id = target.incident_pk
                person_ids = list(target.person_pks)
            else:
                incident_id = item.submission.incident_id
                person_ids = list(item.submission.persons)
            incident = Incident._base_manager.get(pk=incident_id)
            changed = self._update_incident(incident, item)
            persons, person_events, consents_changed = self._update_persons(
                incident, item, person_ids
            )
            events.extend(person_events)
            if self._update_counts(incident, item):
                changed.append("victim_counts")
            if changed:
                incident.save()
                events.append(
                    audit.Entry(
                        "incident.update",
                        incident,
                        self.org,
                        incident.classification,
                        detail={"fields": sorted(changed), "import": self.tag},
                    )
                )
            pks = [p.pk for p in persons]
            item.incident_pk, item.person_pks = incident.pk, pks
            self._record_submission(item, incident, pks)
            if consents_changed:
                consent_changed.send(sender=Consent, incident=incident, actor=self.actor)
        audit.record_many(self.actor, events)

    def _update_incident(self, incident: Incident, item: PlannedRow) -> list[str]:
        changed = []
        for name in rules.INCIDENT_EDITABLE:
            if name == "classification" and not item.classification_given:
                continue
            new = item.values[name]
            model_field = Incident._meta.get_field(name)
            if model_field.is_relation:
                if getattr(incident, model_field.attname) != (new.pk if new else None):
                    setattr(incident, name, new)
                    changed.append(name)
            elif rules._differs(getattr(incident, name), new):
                setattr(incident, name, new)
                changed.append(name)
        if "category" in changed:
            incident.data_category = rules._data_category(item.values["category"])
        return changed

    def _update_counts(self, incident: Incident, item: PlannedRow) -> bool:
        current = {
            (c.sex, c.age_group_id): c.count for c in VictimCount.objects.filter(incident=incident)
        }
        wanted = {(sex, group.pk): n for (sex, group), n in item.victim_counts.items()}
        with unscoped():
            victims = list(
                Person._base_manager.filter(incident=incident, role=Person.Role.VICTIM).values_list(
                    "sex", "age_group_id"
                )
            )
        try:
            rules.check_counts_cover(wanted, victims)
        except DomainError as exc:
            raise DomainError(
                fill(
                    _("Row %(row)d: %(problem)s"),
                    {
                        "row": item.row,
                        "problem": _rule_message(exc, rules.check_counts_cover, wanted, victims),
                    },
                ),
                field="victim_counts",
            ) from exc
        if current == wanted:
            return False
        VictimCount.objects.filter(incident=incident).delete()
        VictimCount.objects.bulk_create(
            VictimCount(incident=incident, sex=sex, age_group=group, count=n)
            for (sex, group), n in item.victim_counts.items()
        )
        self.counts.update(victim_counts=len(wanted))
        return True

    def _update_persons(self, incident: Incident, item: PlannedRow, person_ids: list):
        existing = {p.pk: p for p in Person._base_manager.filter(pk__in=person_ids)}
        persons, events, consents_changed = [], [], False
        for index, planned in enumerate(item.persons):
            person = existing.get(person_ids[index]) if index < len(person_ids) else None
            if person is None:
                person = self._person(incident, planned, rules._person_number(incident))
                person.save()
                events.append(
                    audit.Entry(
                        "person.create",
                        person,
                        self.org,
                        4 if planned.has_identity else 3,
                        detail={"import": self.tag},
                    )
                )
                self.counts.update(persons=1)
            else:
                changed = []
                for name in rules.PERSON_EDITABLE:
                    if name in IDENTITY_FIELDS and not item.identity:
                        continue  # not the importer's to change, blank or not
                    new = planned.values.get(name)
                    model_field = Person._meta.get_field(name)
                    if model_field.is_relation:
                        if getattr(person, model_field.attname) != (new.pk if new else None):
                            setattr(person, name, new)
                            changed.append(name)
                    elif rules._differs(getattr(person, name), new):
                        setattr(person, name, (new or None) if name in IDENTITY_FIELDS else new)
                        changed.append(name)
                if changed:
                    rules._index(
                        person,
                        {f: planned.values[f] for f in changed if f in ("full_name", "phone")},
                    )
                    person.save()
                    identity = any(f in IDENTITY_FIELDS for f in changed)
                    events.append(
                        audit.Entry(
                            "person.update",
                            person,
                            self.org,
                            4 if identity else 3,
                            detail={"fields": changed, "import": self.tag},
                        )
                    )
            persons.append(person)
            consents, needs, new_events = self._changed_consents_and_needs(
                incident, person, planned
            )
            Consent.objects.bulk_create(consents)
            Need.objects.bulk_create(needs)
            events.extend(new_events)
            consents_changed = consents_changed or bool(consents)
            self.counts.update(consents=len(consents), needs=len(needs))
        # Persons of the stored submission beyond the edit's are kept (an edit that drops a
        # repeat is not taken as a deletion of a person record).
        persons.extend(existing[pk] for pk in person_ids[len(item.persons) :] if pk in existing)
        return persons, events, consents_changed

    def _changed_consents_and_needs(self, incident, person, planned: PlannedPerson):
        standing = {
            c.scope: c
            for c in Consent._base_manager.filter(person=person, withdrawn_at__isnull=True)
        }
        wanted = PlannedPerson(
            values=planned.values,
            consents={
                s: g
                for s, g in planned.consents.items()
                if s not in standing or standing[s].given != g
            },
            needs=[
                n
                for n in planned.needs
                if not Need._base_manager.filter(person=person, service_type=n).exists()
            ],
        )
        for scope in wanted.consents:
            if scope in standing:
                Consent._base_manager.filter(pk=standing[scope].pk).update(withdrawn_at=self.now)
        return self._consents_and_needs(incident, person, wanted)

    def _record_submission(self, item: PlannedRow, incident: Incident, pks: list) -> None:
        sub = item.submission
        if sub is not None and sub.key == item.key:
            sub.version = item.source.version
            sub.digest = item.digest
            sub.persons = pks
            sub.batch = self.batch
            sub.save()
            return
        replaced = item.source.replaces
        ImportedSubmission.objects.filter(organisation=self.org, key=replaced).update(
            replaced_by=item.key
        )
        if sub is not None and sub.key != replaced:  # the head of a longer chain of edits
            ImportedSubmission.objects.filter(pk=sub.pk).update(replaced_by=item.key)
        ImportedSubmission.objects.create(
            organisation=self.org,
            key=item.key,
            source_key=self.plan.source_key,
            incident=incident,
            version=item.source.version,
            digest=item.digest,
            persons=pks,
            batch=self.batch,
        )
