"""Simplified area boundaries for the maps, served once per admin level and cached.

The map pages (response gaps, service map, trainings map) carry only their figures per
P-code; the shapes come from one GeoJSON document per admin level, built here from the
stored geometries: rings simplified (Douglas–Peucker) and coordinates rounded, with nothing
but the P-code as property. Its URL holds a digest of its content, so the browser may keep
it for good (`Cache-Control: public, immutable`) and a new load of boundaries gives a new
URL. No case data can enter it: the document is built from `Area` alone.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass

from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse

from .models import Area

# Douglas–Peucker tolerance and rounding (degrees): about 1 km and 100 m, below a pixel for
# Mali drawn a few hundred pixels wide. The Mali cercles go from 360 kB to about 60 kB.
TOLERANCE = 0.01
DECIMALS = 3
LEVELS = tuple(Area.Level.values)


def _perpendicular(point, start, end) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def simplify_ring(ring: list, tolerance: float = TOLERANCE, decimals: int = DECIMALS) -> list:
    """A closed ring with fewer points (Douglas–Peucker), coordinates rounded; the rounded ring
    itself when simplifying would leave fewer than four points, and the ring unchanged when it is
    smaller than the rounding."""
    rounded = []
    for x, y, *_rest in ring:
        point = [round(x, decimals), round(y, decimals)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if len(rounded) < 4:  # a ring smaller than the rounding: keep it as it is
        return [[x, y] for x, y, *_rest in ring]
    if len(rounded) < 5:
        return rounded
    keep = [False] * len(rounded)
    keep[0] = keep[-1] = True
    stack = [(0, len(rounded) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, None
        for i in range(first + 1, last):
            distance = _perpendicular(rounded[i], rounded[first], rounded[last])
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    points = [p for p, kept in zip(rounded, keep, strict=True) if kept]
    return points if len(points) >= 4 else rounded


def simplify(geometry: dict) -> dict | None:
    """A Polygon or MultiPolygon with every ring simplified; None for anything else."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    simplified = [[simplify_ring(ring) for ring in polygon] for polygon in polygons]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": simplified[0]}
    return {"type": "MultiPolygon", "coordinates": simplified}


# --------------------------------------------------------------------------- per level


@dataclass(frozen=True)
class Boundaries:
    level: int
    digest: str  # of `body`: the URL changes when the document does
    body: bytes  # GeoJSON FeatureCollection, properties {"pcode"} only
    gzipped: bytes

    @property
    def url(self) -> str:
        return reverse("geography:boundaries", args=[self.level, self.digest])


_built: dict[int, tuple[str, Boundaries]] = {}  # level → (digest of the stored rows, document)
_lock = threading.Lock()


def _stored(level: int) -> list[tuple[str, str]]:
    return list(
        Area.objects.filter(level=level, geometry__isnull=False)
        .annotate(text=Cast("geometry", TextField()))
        .order_by("pcode")
        .values_list("pcode", "text")
    )


def build(rows: list[tuple[str, str]], level: int) -> Boundaries:
    """The document for (P-code, GeoJSON geometry text) rows."""
    features = []
    for pcode, text in rows:
        geometry = simplify(json.loads(text))
        if geometry is not None:
            features.append(
                {"type": "Feature", "properties": {"pcode": pcode}, "geometry": geometry}
            )
    body = json.dumps(
        {"type": "FeatureCollection", "features": features},
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()
    digest = hashlib.sha256(body).hexdigest()[:16]
    return Boundaries(level, digest, body, gzip.compress(body, mtime=0))


def for_level(level: int) -> Boundaries:
    """The current document of one admin level, rebuilt only when the stored boundaries of
    that level changed (the rows are read and hashed on each call: a few hundred kB at most,
    far cheaper than simplifying them again)."""
    rows = _stored(level)
    source = hashlib.sha256()
    for pcode, text in rows:
        source.update(pcode.encode() + b"\0" + text.encode() + b"\0")
    key = source.hexdigest()
    with _lock:
        cached = _built.get(level)
        if cached is not None and cached[0] == key:
            return cached[1]
    boundaries = build(rows, level)
    with _lock:
        _built[level] = (key, boundaries)
    return boundaries


def drawable(areas) -> set[str]:
    """The P-codes of `areas` that have a stored boundary (the geometry itself is not read)."""
    pks = [a.pk for a in areas]
    return set(
        Area.objects.filter(pk__in=pks, geometry__isnull=False).values_list("pcode", flat=True)
    )
