"""Importing ACLED's CSV export (docs/imports.md, "ACLED security context").

`read(data)` checks every row and returns the events it describes, or every problem (row and
column named); `import_events(actor, data=...)` writes them all in one transaction or none.
Events are keyed by `event_id_cnty`: a known event is updated only when its `timestamp`
(ACLED's last change) is newer, so importing the same or an overlapping export again changes
nothing. Each event is placed in the finest area its admin names (or P-codes) match, else the
finest area whose boundary holds its coordinates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.geography.models import Area
from passerelle.imports import tabular
from passerelle.imports.rows import RowError

from .models import AcledEvent

EVENT_TYPES = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
)
REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
TEXT_COLUMNS = {
    "disorder_type": 80,
    "sub_event_type": 80,
    "actor1": 250,
    "actor2": 250,
    "inter1": 40,
    "inter2": 40,
    "country": 80,
    "admin1": 120,
    "admin2": 120,
    "admin3": 120,
    "location": 200,
    "source": 5000,
    "notes": 10000,
}
PCODE_COLUMNS = ("admin3_pcode", "admin2_pcode", "admin1_pcode")
MAX_ROWS = 100_000
MAX_BYTES = 50 * 1024 * 1024
BATCH = 1000
FIELDS = [
    "event_date",
    "timestamp",
    "time_precision",
    "event_type",
    "area",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    *TEXT_COLUMNS,
]


class AcledRejected(DomainError):
    """The file has problems; nothing was written. `errors` lists every one (RowError)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_("The file has problems; nothing was imported."), code="rejected")
        self.errors = errors


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unplaced: int = 0  # events no area matched
    events: list[dict] = field(default_factory=list, repr=False)

    def counts(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "unplaced": self.unplaced,
        }


# --------------------------------------------------------------------------- places


STRIP = ("cercle de ", "cercle d ", "region de ", "region d ", "commune de ", "commune d ")


def _name_key(name: str) -> str:
    key = tabular.norm(name)
    for prefix in STRIP:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


class Places:
    """The stored areas, indexed once per import: by P-code, by name under each parent, and
    by bounding box for the point-in-polygon fallback."""

    def __init__(self):
        rows = list(Area.objects.values("pk", "pcode", "level", "parent_id", "name_fr", "name_en"))
        self.by_pcode = {r["pcode"]: r["pk"] for r in rows}
        self.by_name: dict[tuple, list[int]] = {}
        for r in rows:
            for name in {_name_key(r["name_fr"]), _name_key(r["name_en"])}:
                self.by_name.setdefault((r["level"], r["parent_id"], name), []).append(r["pk"])
        self.roots: dict[tuple, list[int]] = {}
        for r in rows:
            if r["level"] == 1:
                for name in {_name_key(r["name_fr"]), _name_key(r["name_en"])}:
                    self.roots.setdefault(name, []).append(r["pk"])
        self._shapes = None
        self._points: dict[tuple, int | None] = {}

    def by_names(self, names: list[str]) -> int | None:
        """The finest area matched by admin1, admin2, admin3 names (each under the last)."""
        found = None
        if not names or not names[0]:
            return None
        candidates = self.roots.get(_name_key(names[0]), [])
        if len(candidates) != 1:
            return None
        found = candidates[0]
        for level, name in enumerate(names[1:], start=2):
            if not name:
                break
            match = self.by_name.get((level, found, _name_key(name)), [])
            if len(match) != 1:
                break
            found = match[0]
        return found

    def _load_shapes(self):
        shapes = []
        for pk, level, geometry in Area.objects.exclude(geometry=None).values_list(
            "pk", "level", "geometry"
        ):
            polygons = _polygons(geometry)
            if not polygons:
                continue
            xs = [p[0] for poly in polygons for p in poly[0]]
            ys = [p[1] for poly in polygons for p in poly[0]]
            shapes.append((level, pk, (min(xs), min(ys), max(xs), max(ys)), polygons))
        shapes.sort(key=lambda s: -s[0])  # finest level first
        return shapes

    def by_point(self, lon: float, lat: float) -> int | None:
        key = (round(lon, 5), round(lat, 5))
        if key in self._points:
            return self._points[key]
        if self._shapes is None:
            self._shapes = self._load_shapes()
        found = None
        for _level, pk, (x0, y0, x1, y1), polygons in self._shapes:
            if (
                x0 <= lon <= x1
                and y0 <= lat <= y1
                and any(_in_polygon(lon, lat, poly) for poly in polygons)
            ):
                found = pk
                break
        self._points[key] = found
        return found


def _polygons(geometry) -> list:
    if not isinstance(geometry, dict):
        return []
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(x: float, y: float, polygon) -> bool:
    """In the outer ring and in none of the holes."""
    return _in_ring(x, y, polygon[0]) and not any(_in_ring(x, y, h) for h in polygon[1:])


# --------------------------------------------------------------------------- reading


def _coordinate(text: str, low: int, high: int) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or not low <= value <= high:
        return None
    return value.quantize(Decimal("0.00001"))


def _timestamp(text: str) -> int | None | str:
    """ACLED's timestamp: Unix seconds, or a date-time in newer exports; "bad" otherwise."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return "bad"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _small_int(text: str) -> int | None | str:
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 3 else "bad"


def read(data: bytes, *, filename: str = "") -> tuple[list[dict], list[RowError]]:
    """The events of an ACLED CSV (or XLSX) export, checked: (events, errors)."""
    try:
        table = tabular.read_table(
            data, filename=filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=60
        )
    except DomainError as exc:
        return [], [RowError(0, "", exc.message, code=exc.code)]
    header_row, header = table.rows[0]
    columns = [c.strip().lower() for c in header]
    errors: list[RowError] = []
    for name in REQUIRED:
        if name not in columns:
            errors.append(
                RowError(
                    header_row,
                    name,
                    _("The column %(column)s is missing: is this an ACLED export?")
                    % {"column": name},
                    code="missing_column",
                )
            )
    if errors:
        return [], errors
    index = {name: columns.index(name) for name in set(columns) if name}
    places = Places()
    events: list[dict] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows[1:]:

        def value(name, cells=cells):
            at = index.get(name)
            return cells[at] if at is not None and at < len(cells) else ""

        def fail(column, message, code="invalid", number=number):
            errors.append(RowError(number, column, message, code=code))

        event_id = value("event_id_cnty")
        if not event_id or len(event_id) > 40:
            fail("event_id_cnty", _("The event id is empty or longer than 40 characters."))
        elif event_id in seen:
            fail(
                "event_id_cnty",
                _("The event %(id)s already appears in row %(first)s.")
                % {"id": event_id, "first": seen[event_id]},
                code="duplicate",
            )
            continue
        else:
            seen[event_id] = number
        date = tabular.parse_date(value("event_date"))
        if date is None:
            fail(
                "event_date",
                _("The date %(value)s is not a date.") % {"value": value("event_date")[:30]},
            )
        event_type = value("event_type")
        if event_type not in EVENT_TYPES:
            fail(
                "event_type",
                _("The event type %(value)s is not one of ACLED's event types.")
                % {"value": event_type[:60]},
                code="unknown_choice",
            )
        latitude = _coordinate(value("latitude"), -90, 90)
        if latitude is None:
            fail("latitude", _("The latitude is not a number from -90 to 90."))
        longitude = _coordinate(value("longitude"), -180, 180)
        if longitude is None:
            fail("longitude", _("The longitude is not a number from -180 to 180."))
        fatalities_text = value("fatalities") or "0"
        fatalities = int(fatalities_text) if fatalities_text.isdigit() else None
        if fatalities is None or fatalities > 100_000:
            fail("fatalities", _("The number of fatalities is not a whole number."))
        timestamp = _timestamp(value("timestamp"))
        if timestamp == "bad":
            fail("timestamp", _("The timestamp is neither a number of seconds nor a date-time."))
        precision = {}
        for name in ("time_precision", "geo_precision"):
            precision[name] = _small_int(value(name))
            if precision[name] == "bad":
                fail(name, _("The precision is not a small whole number."))
        texts = {}
        for name, limit in TEXT_COLUMNS.items():
            text = value(name)
            if len(text) > limit:
                fail(
                    name,
                    _("The cell is longer than %(limit)s characters.") % {"limit": limit},
                    code="too_long",
                )
            texts[name] = text[:limit]
        if len(errors) > 1000:
            break
        area = None
        for name in PCODE_COLUMNS:
            if value(name) in places.by_pcode:
                area = places.by_pcode[value(name)]
                break
        if area is None:
            area = places.by_names([value("admin1"), value("admin2"), value("admin3")])
        if area is None and latitude is not None and longitude is not None:
            area = places.by_point(float(longitude), float(latitude))
        events.append(
            {
                "row": number,
                "event_id_cnty": event_id,
                "event_date": date,
                "timestamp": timestamp if isinstance(timestamp, int) else None,
                "time_precision": precision["time_precision"],
                "geo_precision": precision["geo_precision"],
                "event_type": event_type,
                "latitude": latitude,
                "longitude": longitude,
                "fatalities": fatalities,
                "area": area,
                **texts,
            }
        )
    if len(table.rows) < 2:
        errors.append(RowError(0, "", _("The file has no event below its header."), code="empty"))
    return events, errors


# --------------------------------------------------------------------------- writing


def _changed(stored: AcledEvent, event: dict) -> bool:
    for name in FIELDS:
        current = stored.area_id if name == "area" else getattr(stored, name)
        if current != event[name]:
            return True
    return False


@audit.service
def import_events(actor, *, data: bytes, filename: str = "", dry_run: bool = False) -> Result:
    """Check the whole file, then write every event in one transaction, or none
    (AcledRejected lists every problem). A known event is rewritten only when its timestamp
    is newer (or, without timestamps, when its content changed). `dry_run`: the counts only."""
    events, errors = read(data, filename=filename)
    if errors:
        raise AcledRejected(errors)
    stored = AcledEvent.objects.in_bulk(
        [e["event_id_cnty"] for e in events], field_name="event_id_cnty"
    )
    result = Result()
    new, changed = [], []
    for event in events:
        values = {name: event[name] for name in FIELDS}
        values["area_id"] = values.pop("area")
        result.unplaced += values["area_id"] is None
        known = stored.get(event["event_id_cnty"])
        if known is None:
            new.append(
                AcledEvent(event_id_cnty=event["event_id_cnty"], imported_by=actor, **values)
            )
            continue
        newer = (
            event["timestamp"] > known.timestamp
            if event["timestamp"] is not None and known.timestamp is not None
            else _changed(known, {**event, "area": values["area_id"]})
        )
        if not newer:
            result.unchanged += 1
            continue
        for name, value in values.items():
            setattr(known, name, value)
        known.imported_by = actor
        changed.append(known)
    result.created, result.updated = len(new), len(changed)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            AcledEvent.objects.bulk_create(new, batch_size=BATCH)
    except IntegrityError as exc:  # another import wrote one of these events meanwhile
        raise AcledRejected(
            [
                RowError(
                    0,
                    "event_id_cnty",
                    _(
                        "Another import of ACLED events ran at the same time: import the "
                        "file again."
                    ),
                    code="conflict",
                )
            ]
        ) from exc
    with transaction.atomic():
        if changed:
            now = timezone.now()
            for event in changed:
                event.imported_at = now
            AcledEvent.objects.bulk_update(
                changed, [*FIELDS, "imported_by", "imported_at"], batch_size=BATCH
            )
        audit.record(
            actor,
            "acled.import",
            organisation=audit.home_organisation(actor),
            level=0,
            detail={"format": "csv", "rows": len(events), **result.counts()},
        )
    return result
