"""Approximate boundaries derived from a larger unit when no real ones are available.

The bundled cercle boundaries (geoBoundaries, 2017) have one old Ménaka cercle where COD-AB
has four cercles (ML1001 Ménaka, ML1002 Anderamboukane, ML1003 Inékar, ML1004 Tidermène).
Until real boundaries are found, `split_by_seats` cuts the old cercle into the parts nearest
to each cercle's seat (a Voronoi partition clipped to the polygon): every part lies inside
the old cercle, the parts cover it exactly, and each seat lies in its own part. The lines are
**approximate**: they follow no real limit. The region of Gao, whose bundled polygon
(geoBoundaries ADM1, pre-2016 layout) still holds Ménaka, is redrawn as the union of its three
cercles (`dissolve`): exact, from the surveyed cercle lines. Regenerate the bundled files with
``python -m passerelle.geography.derive`` (data/mali/SOURCE.md says how they were made).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

MALI_DIR = Path(__file__).resolve().parent / "data" / "mali"
MENAKA_FILE = MALI_DIR / "mali_menaka_cercles_approximate.geojson"
GAO_FILE = MALI_DIR / "mali_adm1_gao_without_menaka.geojson"
GAO_CERCLES = ("ML0701", "ML0702", "ML0703")

# Seats of the four cercles of Ménaka (longitude, latitude), rounded to the minute. Ménaka,
# Anderamboukane and Tidermène: the coordinates given for the communes of those names in the
# French Wikipedia; Inékar: approximate position of the village, east of Ménaka (not checked
# against a published source). Replace them, or better the whole file, when real boundaries
# are available.
MENAKA_SEATS = {
    "ML1001": (2.4000, 15.9167),  # Ménaka, 15°55'N 2°24'E
    "ML1002": (3.0233, 15.4224),  # Anderamboukane, 15°25'N 3°01'E
    "ML1003": (3.1500, 15.9500),  # Inékar, about 15°57'N 3°09'E (approximate)
    "ML1004": (2.4167, 16.6000),  # Tidermène, 16°36'N 2°25'E
}
DECIMALS = 4  # as the source file


def ring_area(ring: list) -> float:
    """Signed area (shoelace), positive for a counter-clockwise ring, in square degrees."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def contains(ring: list, point) -> bool:
    """Whether `point` lies inside the closed ring (even-odd rule)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _clip(ring: list, keep) -> list:
    """Sutherland–Hodgman: the part of a closed ring where the linear form `keep(p)` ≤ 0."""
    points = ring[:-1]
    result = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        fc, fp = keep(current), keep(previous)
        if fc <= 0:
            if fp > 0:
                result.append(_cut(previous, current, fp, fc))
            result.append(current)
        elif fp <= 0:
            result.append(_cut(previous, current, fp, fc))
    if result:
        result.append(result[0])
    return result


def _cut(a, b, fa, fb):
    t = fa / (fa - fb)
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


def split_by_seats(ring: list, seats: dict[str, tuple[float, float]]) -> dict[str, list]:
    """Code → the closed ring of the part of `ring` nearer to that seat than to any other.

    Distances are measured with longitudes shrunk by the cosine of the ring's middle latitude
    (close to kilometres at this scale). Coordinates are rounded to `DECIMALS`; rings are
    counter-clockwise (RFC 7946).
    """
    latitudes = [y for _x, y in ring]
    k = math.cos(math.radians((min(latitudes) + max(latitudes)) / 2))
    parts = {}
    for code, (ax, ay) in seats.items():
        part = [tuple(p[:2]) for p in ring]
        for other, (bx, by) in seats.items():
            if other == code:
                continue
            # nearer to a than to b: |p-a|² - |p-b|² ≤ 0, a linear form in (x, y)
            ax_, bx_ = ax * k, bx * k

            def keep(p, ax_=ax_, bx_=bx_, ay=ay, by=by):
                x = p[0] * k
                return (
                    2 * (bx_ - ax_) * x
                    + 2 * (by - ay) * p[1]
                    + (ax_ * ax_ + ay * ay)
                    - (bx_ * bx_ + by * by)
                )

            part = _clip(part, keep)
            if not part:
                break
        rounded = []
        for x, y in part:
            point = [round(x, DECIMALS), round(y, DECIMALS)]
            if not rounded or rounded[-1] != point:
                rounded.append(point)
        if rounded and ring_area(rounded) < 0:
            rounded.reverse()
        parts[code] = rounded
    return parts


def dissolve(rings: list[list]) -> list[list]:
    """The outer rings of the union of polygons that share their borders point for point (as
    the cercles decoded from one TopoJSON do): every edge met in both directions is an inner
    border and goes; what is left is chained back into closed rings."""
    edges = []
    for ring in rings:
        edges += [(tuple(a[:2]), tuple(b[:2])) for a, b in zip(ring, ring[1:], strict=False)]
    present = set(edges)
    following = {a: b for a, b in edges if (b, a) not in present}
    result, seen = [], set()
    for start in following:
        if start in seen:
            continue
        ring, point = [start], following[start]
        seen.add(start)
        while point != start:
            if point in seen or point not in following:
                raise ValueError("the polygons do not share their borders point for point")
            ring.append(point)
            seen.add(point)
            point = following[point]
        ring.append(start)
        result.append([list(p) for p in ring])
    return result


def gao_collection() -> dict:
    """Region ML07 Gao without Ménaka: the union of its three cercles."""
    source = json.loads((MALI_DIR / "mali_adm2.geojson").read_text())
    rings = [
        f["geometry"]["coordinates"][0]
        for f in source["features"]
        if f["properties"]["adm2_pcode"] in GAO_CERCLES
    ]
    assert len(rings) == len(GAO_CERCLES)
    (outer,) = dissolve(rings)
    if ring_area(outer) < 0:
        outer.reverse()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "adm1_pcode": "ML07",
                    "derivation": "union of the cercles ML0701, ML0702, ML0703 "
                    "(geoBoundaries 2017)",
                },
                "geometry": {"type": "Polygon", "coordinates": [outer]},
            }
        ],
    }


def old_menaka_ring() -> list:
    """The exterior ring of the old Ménaka cercle in the bundled geoBoundaries file."""
    source = json.loads((MALI_DIR / "mali_adm2.geojson").read_text())
    (feature,) = [f for f in source["features"] if f["properties"]["adm2_pcode"] is None]
    assert feature["properties"]["adm1_pcode"] == "ML10"
    return feature["geometry"]["coordinates"][0]


def menaka_collection() -> dict:
    """The four approximate cercles of Ménaka as a GeoJSON FeatureCollection."""
    parts = split_by_seats(old_menaka_ring(), MENAKA_SEATS)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "adm2_pcode": code,
                    "adm1_pcode": "ML10",
                    "approximate": True,
                    "derivation": "old Ménaka cercle (geoBoundaries 2017) split by nearest seat",
                    "seat": list(MENAKA_SEATS[code]),
                },
                "geometry": {"type": "Polygon", "coordinates": [parts[code]]},
            }
            for code in sorted(parts)
        ],
    }


def write(collection: dict, path: Path) -> None:
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(menaka_collection(), MENAKA_FILE)
    write(gao_collection(), GAO_FILE)
    print(MENAKA_FILE, GAO_FILE, sep="\n")
