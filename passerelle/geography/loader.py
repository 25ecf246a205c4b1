"""Load administrative areas (P-codes) and their boundaries.

Inputs:

* a COD-AB style CSV file with the columns ``pcode,name,level,parent_pcode`` and, optionally,
  ``name_fr`` and ``name_en`` (when absent, ``name`` fills both);
* optionally a names file ``pcode,name_fr,name_en`` that overrides the display names;
* any number of GeoJSON FeatureCollections whose Polygon/MultiPolygon geometries are attached to
  areas found by a feature property (with an optional fallback property).

Everything is read and validated first; a single :class:`AreaImportError` lists every problem
(CSV rows are numbered from 1, the header being row 1; GeoJSON features are numbered from 1).
Only when there is no problem at all is anything written, inside one transaction, parents before
children. Areas are matched by P-code, so loading the same files twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Area

MALI_DIR = Path(__file__).resolve().parent / "data" / "mali"
MALI_VERSION = "cod-ab-2021-12-20"
# Cercles whose bundled boundary is derived, not surveyed (geography.derive): the four cercles
# of Ménaka, cut from the old Ménaka cercle by nearest seat. Maps say they are approximate.
MALI_APPROXIMATE = frozenset({"ML1001", "ML1002", "ML1003", "ML1004"})
MALI_MENAKA_FILE = "mali_menaka_cercles_approximate.geojson"
# Gao (ML07) as it is since 2016, without Ménaka: the union of its three cercles (geography.derive).
MALI_GAO_FILE = "mali_adm1_gao_without_menaka.geojson"

REQUIRED_COLUMNS = ("pcode", "name", "level", "parent_pcode")
OPTIONAL_COLUMNS = ("name_fr", "name_en")
NAMES_COLUMNS = ("pcode", "name_fr", "name_en")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_LEVEL = max(Area.Level.values)

PCODE_RE = re.compile(r"[A-Za-z0-9]+")
PCODE_MAX_LENGTH = Area._meta.get_field("pcode").max_length
NAME_MAX_LENGTH = Area._meta.get_field("name_fr").max_length
VERSION_MAX_LENGTH = Area._meta.get_field("pcode_version").max_length

FilePath = str | PathLike


class AreaImportError(Exception):
    """The input has problems; nothing was written. ``errors`` lists them, translated."""

    def __init__(self, errors: Iterable[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return _("Areas created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class GeoJSONSource:
    """A GeoJSON file and the feature property (and fallback) holding the area's P-code."""

    path: FilePath
    match_property: str
    fallback_property: str | None = None
    skip: frozenset[str] = frozenset()  # P-codes whose feature in this file is not used


@dataclass
class _AreaRow:
    row: int
    pcode: str
    name: str
    level: int | None
    parent: str
    name_fr: str
    name_en: str


# --------------------------------------------------------------------------- reading files


def _file_label(path: FilePath) -> str:
    return Path(path).name


def _read_text(path: FilePath, errors: list[str]) -> str | None:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError:
        errors.append(_("The file %(file)s is not UTF-8 text.") % {"file": _file_label(path)})
    except OSError as exc:
        errors.append(
            _("The file %(file)s cannot be read (%(reason)s).")
            % {"file": _file_label(path), "reason": exc.strerror or exc}
        )
    return None


def _read_table(
    path: FilePath, required: Sequence[str], optional: Sequence[str], errors: list[str]
) -> list[tuple[int, dict[str, str]]] | None:
    """Read a CSV file into (row number, {column: stripped value}) pairs.

    Rows are numbered from 1, the header being row 1. Blank rows and an HXL hashtag row just
    below the header are skipped. Returns None when the file cannot be used at all.
    """
    label = _file_label(path)
    text = _read_text(path, errors)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        errors.append(
            _("Line %(line)d of %(file)s is not valid CSV (%(reason)s).")
            % {"file": label, "line": reader.line_num, "reason": exc}
        )
        return None
    if not records:
        errors.append(
            _("The file %(file)s is empty; its first row must name the columns %(columns)s.")
            % {"file": label, "columns": ", ".join(required)}
        )
        return None

    header = [cell.strip().lower() for cell in records[0]]
    usable = True
    for column in required:
        if column not in header:
            errors.append(
                _("Row 1 of %(file)s: the required column %(column)s is missing.")
                % {"file": label, "column": column}
            )
            usable = False
    for column in (*required, *optional):
        if header.count(column) > 1:
            errors.append(
                _("Row 1 of %(file)s: the column %(column)s appears more than once.")
                % {"file": label, "column": column}
            )
            usable = False
    if not usable:
        return None

    positions = {c: header.index(c) for c in (*required, *optional) if c in header}
    table = []
    for number, cells in enumerate(records[1:], start=2):
        values = [cell.strip() for cell in cells]
        if not any(values):
            continue
        if number == 2 and all(v.startswith("#") for v in values if v):
            continue  # HXL hashtag row (#adm1+code …)
        if len(values) > len(header) and any(values[len(header) :]):
            errors.append(
                _(
                    "Row %(row)d of %(file)s has %(found)d values but the header has "
                    "%(expected)d columns."
                )
                % {"file": label, "row": number, "found": len(values), "expected": len(header)}
            )
            continue
        table.append(
            (number, {c: values[i] if i < len(values) else "" for c, i in positions.items()})
        )
    return table


def _check_pcode(value: str, where: dict, errors: list[str]) -> bool:
    if not value:
        errors.append(_("Row %(row)d of %(file)s: the P-code is empty.") % where)
        return False
    if len(value) > PCODE_MAX_LENGTH or not value.isascii() or not PCODE_RE.fullmatch(value):
        errors.append(
            _(
                "Row %(row)d of %(file)s: the P-code %(pcode)s must be made of at most %(max)d "
                "letters and digits."
            )
            % {**where, "pcode": repr(value), "max": PCODE_MAX_LENGTH}
        )
        return False
    return True


def _check_name(value: str, column: str, where: dict, errors: list[str]) -> bool:
    params = {**where, "column": column, "max": NAME_MAX_LENGTH}
    if not value:
        errors.append(_("Row %(row)d of %(file)s: the name (column %(column)s) is empty.") % params)
    elif len(value) > NAME_MAX_LENGTH:
        errors.append(
            _(
                "Row %(row)d of %(file)s: the name (column %(column)s) is longer than "
                "%(max)d characters."
            )
            % params
        )
    elif any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in value):
        errors.append(
            _(
                "Row %(row)d of %(file)s: the name (column %(column)s) contains control "
                "or invalid characters."
            )
            % params
        )
    else:
        return True
    return False


# --------------------------------------------------------------------------- validation


def _database_areas() -> dict[str, tuple[int, str | None]]:
    """P-code → (level, parent P-code) for every area already stored."""
    return {
        pcode: (level, parent)
        for pcode, level, parent in Area.objects.values_list("pcode", "level", "parent__pcode")
    }


def _validate_areas(
    path: FilePath, stored: dict[str, tuple[int, str | None]], errors: list[str]
) -> dict[str, _AreaRow]:
    """Validate the area CSV; return its rows by P-code (first occurrence of each)."""
    label = _file_label(path)
    table = _read_table(path, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, errors)
    if table is None:
        return {}

    rows: dict[str, _AreaRow] = {}
    for number, values in table:
        where = {"row": number, "file": label}
        pcode, name = values["pcode"], values["name"]
        _check_pcode(pcode, where, errors)
        _check_name(name, "name", where, errors)
        names = {}
        for column in OPTIONAL_COLUMNS:
            value = values.get(column, "")
            if value:
                _check_name(value, column, where, errors)
            names[column] = value or name

        raw_level = values["level"]
        level = int(raw_level) if re.fullmatch(r"[0-9]", raw_level) else None
        if level is None or level > MAX_LEVEL:
            level = None
            errors.append(
                _(
                    "Row %(row)d of %(file)s: the level %(level)s is not a whole number from 0 "
                    "to %(max)d."
                )
                % {**where, "level": repr(raw_level), "max": MAX_LEVEL}
            )

        parent = values["parent_pcode"]
        if level == 0 and parent:
            errors.append(
                _(
                    "Row %(row)d of %(file)s: a country (level 0) cannot have a parent, but "
                    "%(parent)s is given."
                )
                % {**where, "parent": parent}
            )
        elif level is not None and level > 0 and not parent:
            errors.append(
                _("Row %(row)d of %(file)s: an area of level %(level)d needs a parent P-code.")
                % {**where, "level": level}
            )

        if not pcode:
            continue
        if pcode in rows:
            errors.append(
                _("Row %(row)d of %(file)s: the P-code %(pcode)s already appears in row %(first)d.")
                % {**where, "pcode": pcode, "first": rows[pcode].row}
            )
            continue
        rows[pcode] = _AreaRow(
            number, pcode, name, level, parent, names["name_fr"], names["name_en"]
        )

    for area in rows.values():
        if area.level is None or area.level == 0 or not area.parent:
            continue
        where = {"row": area.row, "file": label, "pcode": area.pcode, "parent": area.parent}
        if area.parent in rows:
            parent_level = rows[area.parent].level
        elif area.parent in stored:
            parent_level = stored[area.parent][0]
        else:
            errors.append(
                _("Row %(row)d of %(file)s: the parent P-code %(parent)s does not exist.") % where
            )
            continue
        if parent_level is not None and parent_level != area.level - 1:
            errors.append(
                _(
                    "Row %(row)d of %(file)s: the parent %(parent)s is at level %(parent_level)d, "
                    "but an area of level %(level)d needs a parent of level %(expected)d."
                )
                % {
                    **where,
                    "parent_level": parent_level,
                    "level": area.level,
                    "expected": area.level - 1,
                }
            )
        if area.pcode == area.parent or not area.pcode.startswith(area.parent):
            errors.append(
                _(
                    "Row %(row)d of %(file)s: the P-code %(pcode)s does not start with its "
                    "parent's P-code %(parent)s."
                )
                % where
            )

    # A stored area whose level changes must not strand stored children left out of the file.
    moved = {
        p: a
        for p, a in rows.items()
        if p in stored and a.level is not None and stored[p][0] != a.level
    }
    if moved:
        for child, (child_level, parent) in sorted(stored.items()):
            if parent in moved and child not in rows and child_level != moved[parent].level + 1:
                errors.append(
                    _(
                        "Row %(row)d of %(file)s: %(pcode)s cannot become level %(level)d because "
                        "the stored area %(child)s (level %(child_level)d) is under it."
                    )
                    % {
                        "row": moved[parent].row,
                        "file": label,
                        "pcode": parent,
                        "level": moved[parent].level,
                        "child": child,
                        "child_level": child_level,
                    }
                )
    return rows


def _validate_names(
    path: FilePath, known: set[str], errors: list[str]
) -> dict[str, tuple[str, str]]:
    """Validate a names file; return P-code → (French name, English name)."""
    label = _file_label(path)
    table = _read_table(path, NAMES_COLUMNS, (), errors)
    if table is None:
        return {}
    names: dict[str, tuple[str, str]] = {}
    first_row: dict[str, int] = {}
    for number, values in table:
        where = {"row": number, "file": label}
        pcode = values["pcode"]
        if not pcode:
            errors.append(_("Row %(row)d of %(file)s: the P-code is empty.") % where)
            continue
        if pcode in first_row:
            errors.append(
                _("Row %(row)d of %(file)s: the P-code %(pcode)s already appears in row %(first)d.")
                % {**where, "pcode": pcode, "first": first_row[pcode]}
            )
            continue
        first_row[pcode] = number
        ok = pcode in known
        if not ok:
            errors.append(
                _(
                    "Row %(row)d of %(file)s: the P-code %(pcode)s is neither in the areas file "
                    "nor in the database."
                )
                % {**where, "pcode": pcode}
            )
        ok = _check_name(values["name_fr"], "name_fr", where, errors) and ok
        ok = _check_name(values["name_en"], "name_en", where, errors) and ok
        if ok:
            names[pcode] = (values["name_fr"], values["name_en"])
    return names


def _coordinates_ok(kind: str, coordinates) -> bool:
    def position_ok(position) -> bool:
        return (
            isinstance(position, list)
            and len(position) in (2, 3)
            and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in position
            )
            and -180 <= position[0] <= 180
            and -90 <= position[1] <= 90
        )

    def ring_ok(ring) -> bool:
        return (
            isinstance(ring, list)
            and len(ring) >= 4
            and all(position_ok(p) for p in ring)
            and ring[0][:2] == ring[-1][:2]
        )

    def polygon_ok(polygon) -> bool:
        return isinstance(polygon, list) and bool(polygon) and all(ring_ok(r) for r in polygon)

    if kind == "Polygon":
        return polygon_ok(coordinates)
    return (
        isinstance(coordinates, list)
        and bool(coordinates)
        and all(polygon_ok(p) for p in coordinates)
    )


def _reject_constant(value: str):
    raise ValueError(_("%(value)s is not allowed in JSON") % {"value": value})


def _validate_geojson(
    source: GeoJSONSource, known: set[str], taken: dict[str, str], errors: list[str]
) -> dict[str, dict]:
    """Validate one GeoJSON file; return P-code → geometry.

    `taken` maps the P-codes already given a geometry (by an earlier feature or file) to where
    it came from; an area may receive only one geometry per load.
    """
    label = _file_label(source.path)
    text = _read_text(source.path, errors)
    if text is None:
        return {}
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        errors.append(
            _("The file %(file)s is not valid JSON (%(reason)s).") % {"file": label, "reason": exc}
        )
        return {}
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        errors.append(_("The file %(file)s is not a GeoJSON FeatureCollection.") % {"file": label})
        return {}

    geometries: dict[str, dict] = {}
    for index, feature in enumerate(data["features"], start=1):
        where = {"index": index, "file": label}
        if not isinstance(feature, dict):
            errors.append(_("Feature %(index)d of %(file)s is not a JSON object.") % where)
            continue
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        used = source.match_property
        pcode = properties.get(used)
        if pcode in (None, "") and source.fallback_property:
            used = source.fallback_property
            pcode = properties.get(used)
        where["property"] = used
        if isinstance(pcode, str) and pcode in source.skip:
            continue  # another file gives this area's boundary
        if pcode in (None, ""):
            if source.fallback_property:
                errors.append(
                    _(
                        "Feature %(index)d of %(file)s: neither the property %(property)s nor "
                        "%(fallback)s gives a P-code."
                    )
                    % {
                        **where,
                        "property": source.match_property,
                        "fallback": source.fallback_property,
                    }
                )
            else:
                errors.append(
                    _("Feature %(index)d of %(file)s: the property %(property)s gives no P-code.")
                    % where
                )
            pcode = None
        elif not isinstance(pcode, str):
            errors.append(
                _("Feature %(index)d of %(file)s: the property %(property)s is not text.") % where
            )
            pcode = None
        elif pcode not in known:
            errors.append(
                _(
                    "Feature %(index)d of %(file)s: the P-code %(pcode)s (property %(property)s) "
                    "is not a known area."
                )
                % {**where, "pcode": pcode}
            )
            pcode = None
        elif pcode in taken:
            errors.append(
                _(
                    "Feature %(index)d of %(file)s: the area %(pcode)s already receives a geometry "
                    "from %(other)s."
                )
                % {**where, "pcode": pcode, "other": taken[pcode]}
            )
            pcode = None

        geometry = feature.get("geometry")
        if not geometry:
            errors.append(_("Feature %(index)d of %(file)s has no geometry.") % where)
            continue
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if not isinstance(kind, str) or kind not in GEOMETRY_TYPES:
            errors.append(
                _(
                    "Feature %(index)d of %(file)s: the geometry type %(type)s is not Polygon or "
                    "MultiPolygon."
                )
                % {**where, "type": repr(kind)}
            )
            continue
        if not _coordinates_ok(kind, geometry.get("coordinates")):
            errors.append(
                _(
                    "Feature %(index)d of %(file)s: the coordinates are not a valid %(type)s in "
                    "longitude/latitude."
                )
                % {**where, "type": kind}
            )
            continue
        if pcode is not None:
            geometries[pcode] = {"type": kind, "coordinates": geometry["coordinates"]}
            taken[pcode] = _("feature %(index)d of %(file)s") % where
    return geometries


# --------------------------------------------------------------------------- loading


def load_areas(
    csv_path: FilePath | None = None,
    *,
    names_path: FilePath | None = None,
    geojson: Iterable[GeoJSONSource] = (),
    version: str | None = None,
) -> LoadResult:
    """Validate every input, then create or update the areas in one transaction.

    ``version`` is stored as ``pcode_version`` of every area of the CSV file (None leaves the
    stored version alone, and leaves it blank for new areas). Raises :class:`AreaImportError`
    listing every problem, in which case nothing is written.
    """
    return _apply(plan_areas(csv_path, names_path=names_path, geojson=geojson, version=version))


def plan_areas(
    csv_path: FilePath | None = None,
    *,
    names_path: FilePath | None = None,
    geojson: Iterable[GeoJSONSource] = (),
    version: str | None = None,
) -> dict[str, dict]:
    """What `load_areas` would write (P-code → fields), every input validated, nothing
    written; :class:`AreaImportError` lists every problem."""
    errors: list[str] = []
    geojson = list(geojson)
    if version is not None and len(version) > VERSION_MAX_LENGTH:
        errors.append(
            _("The P-code version %(version)s is longer than %(max)d characters.")
            % {"version": version, "max": VERSION_MAX_LENGTH}
        )
    stored = _database_areas()
    rows = _validate_areas(csv_path, stored, errors) if csv_path is not None else {}
    known = set(rows) | set(stored)
    names = _validate_names(names_path, known, errors) if names_path is not None else {}
    taken: dict[str, str] = {}
    geometries: dict[str, dict] = {}
    for source in geojson:
        geometries.update(_validate_geojson(source, known, taken, errors))
    if errors:
        raise AreaImportError(errors)

    # What each area should become: CSV rows first, parents before children.
    plan: dict[str, dict] = {}
    for area in sorted(rows.values(), key=lambda a: (a.level, a.row)):
        fields = {
            "name_fr": area.name_fr,
            "name_en": area.name_en,
            "level": area.level,
            "parent": area.parent or None,
        }
        if version is not None:
            fields["pcode_version"] = version
        plan[area.pcode] = fields
    for pcode, (name_fr, name_en) in names.items():
        plan.setdefault(pcode, {}).update(name_fr=name_fr, name_en=name_en)
    for pcode, geometry in geometries.items():
        plan.setdefault(pcode, {})["geometry"] = geometry
    return plan


@dataclass(frozen=True)
class LevelPreview:
    level: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    geometries: int = 0  # areas of this level receiving a boundary


def preview(plan: dict[str, dict]) -> list[LevelPreview]:
    """Per admin level, what applying `plan` would create, update or leave unchanged (read
    only: the comparison `_apply` makes, without writing)."""
    stored = Area.objects.in_bulk(sorted(plan), field_name="pcode")
    parents = dict(
        Area.objects.filter(
            pcode__in={f.get("parent") for f in plan.values()} - {None}
        ).values_list("pcode", "pk")
    )
    counts: dict[int, dict[str, int]] = {}
    for pcode, fields in plan.items():
        area = stored.get(pcode)
        level = fields.get("level", area.level if area is not None else 0)
        found = counts.setdefault(
            level, {"created": 0, "updated": 0, "unchanged": 0, "geometries": 0}
        )
        found["geometries"] += "geometry" in fields
        if area is None:
            found["created"] += 1
            continue
        same = True
        for name, value in fields.items():
            if name == "parent":
                same = same and area.parent_id == (parents.get(value) if value else None)
            else:
                same = same and getattr(area, name) == value
        found["updated" if not same else "unchanged"] += 1
    return [LevelPreview(level, **counts[level]) for level in sorted(counts)]


def apply_plan(plan: dict[str, dict]) -> LoadResult:
    """Write a plan of `plan_areas` (one transaction; parents before children)."""
    return _apply(plan)


def _apply(plan: dict[str, dict]) -> LoadResult:
    created = updated = unchanged = 0
    with transaction.atomic():
        wanted = set(plan) | {f["parent"] for f in plan.values() if f.get("parent")}
        areas = Area.objects.in_bulk(sorted(wanted), field_name="pcode")
        for pcode, fields in plan.items():
            values = dict(fields)
            if "parent" in values:
                values["parent"] = areas[values["parent"]] if values["parent"] else None
            area = areas.get(pcode)
            if area is not None and all(_same(area, name, value) for name, value in values.items()):
                unchanged += 1
                continue
            area, was_created = Area.objects.update_or_create(pcode=pcode, defaults=values)
            areas[pcode] = area
            if was_created:
                created += 1
            else:
                updated += 1
    return LoadResult(created=created, updated=updated, unchanged=unchanged)


def _same(area: Area, name: str, value) -> bool:
    if name == "parent":
        return area.parent_id == (value.pk if value is not None else None)
    return getattr(area, name) == value


def load_geojson(
    path: FilePath, match_property: str, fallback_property: str | None = None
) -> LoadResult:
    """Attach the geometries of a GeoJSON file to stored areas."""
    return load_areas(geojson=[GeoJSONSource(path, match_property, fallback_property)])


def load_mali(version: str = MALI_VERSION) -> LoadResult:
    """Load the bundled Mali COD-AB areas, their French/English names and boundaries.

    Regions ML01–ML09 get the geoBoundaries ADM1 polygons; cercles get the ADM2 polygons, and
    the old Ménaka cercle polygon (no admin2 P-code) goes to region ML10 through ``adm1_pcode``.
    The four cercles of Ménaka get the approximate parts of that polygon derived by
    ``geography.derive`` (``MALI_APPROXIMATE``), and region ML07 Gao the union of its three
    cercles (the ADM1 polygon of Gao still holds Ménaka).
    """
    return load_areas(
        MALI_DIR / "mali_admin.csv",
        names_path=MALI_DIR / "names.csv",
        geojson=[
            GeoJSONSource(
                MALI_DIR / "mali_adm1_geoboundaries_simplified.geojson",
                "adm1_pcode",
                skip=frozenset({"ML07"}),
            ),
            GeoJSONSource(MALI_DIR / MALI_GAO_FILE, "adm1_pcode"),
            GeoJSONSource(MALI_DIR / "mali_adm2.geojson", "adm2_pcode", "adm1_pcode"),
            GeoJSONSource(MALI_DIR / MALI_MENAKA_FILE, "adm2_pcode"),
        ],
        version=version,
    )
