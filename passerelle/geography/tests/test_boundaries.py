"""The simplified boundaries served once per admin level (geography.boundaries, the view
geography:boundaries) and the approximate cercles of Ménaka (geography.derive)."""

import gzip
import importlib
import json

import pytest
from django.apps import apps as registry
from django.test import Client

from passerelle.geography import boundaries, derive
from passerelle.geography.loader import MALI_APPROXIMATE, MALI_DIR, MALI_MENAKA_FILE
from passerelle.geography.models import Area

pytestmark = pytest.mark.django_db


def features(response) -> list[dict]:
    return json.loads(response.content)["features"]


# --------------------------------------------------------------------------- the view


def test_the_boundaries_of_a_level_are_cacheable_for_good_and_hold_pcodes_only(areas, client_as):
    document = boundaries.for_level(2)
    response = client_as("viewer").get(document.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "immutable", "max-age=31536000"} == cache
    assert "no-store" not in response["Cache-Control"] and "Pragma" not in response
    assert response["ETag"] == f'"{document.digest}"'
    assert not response.cookies  # no session cookie in a response any cache may keep
    shapes = features(response)
    assert len(shapes) == 53  # every cercle, the four of Ménaka included
    for shape in shapes:
        assert set(shape) == {"type", "properties", "geometry"}
        assert set(shape["properties"]) == {"pcode"}
        assert shape["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert {s["properties"]["pcode"] for s in shapes} == set(
        Area.objects.filter(level=2).values_list("pcode", flat=True)
    )


def test_every_user_and_language_gets_the_same_document(areas, client_as, other_org):
    first = client_as("viewer", language="fr").get(boundaries.for_level(1).url)
    second = client_as("viewer", other_org, language="en").get(boundaries.for_level(1).url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(features(first)) == 10


def test_the_boundaries_are_smaller_than_the_stored_ones(areas):
    stored = sum(
        len(json.dumps(g, separators=(",", ":")))
        for g in Area.objects.filter(level=2).values_list("geometry", flat=True)
    )
    document = boundaries.for_level(2)
    assert len(document.body) < stored / 4  # about 60 kB for 360 kB stored
    assert len(document.gzipped) < 20_000


def test_a_revalidation_answers_not_modified(areas, client_as):
    document = boundaries.for_level(2)
    response = client_as("viewer").get(document.url, HTTP_IF_NONE_MATCH=f'"{document.digest}"')
    assert response.status_code == 304
    assert response.content == b""


def test_a_browser_accepting_gzip_gets_it_compressed(areas, client_as):
    document = boundaries.for_level(2)
    response = client_as("viewer").get(document.url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content) == document.body


def test_new_boundaries_give_a_new_address_and_the_old_one_leads_to_it(areas, client_as):
    old = boundaries.for_level(2)
    kayes = Area.objects.get(pcode="ML0103")
    kayes.geometry = {
        "type": "Polygon",
        "coordinates": [[[-11.0, 14.0], [-10.0, 14.0], [-10.0, 15.0], [-11.0, 14.0]]],
    }
    kayes.save()

    new = boundaries.for_level(2)
    assert new.digest != old.digest
    response = client_as("viewer").get(old.url)
    assert response.status_code == 302 and response["Location"] == new.url
    assert "immutable" not in response.get("Cache-Control", "")
    shapes = {s["properties"]["pcode"]: s for s in features(client_as("viewer").get(new.url))}
    assert shapes["ML0103"]["geometry"]["coordinates"][0][0] == [-11.0, 14.0]


def test_an_unknown_level_is_not_found(areas, client_as):
    assert client_as("viewer").get("/areas/boundaries/7/abc.json").status_code == 404


def test_the_boundaries_are_for_signed_in_users(areas):
    response = Client().get(boundaries.for_level(2).url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_boundaries_are_not_written_to(areas, client_as):
    assert client_as("viewer").post(boundaries.for_level(2).url).status_code == 405


def test_the_page_only_names_the_boundaries(areas, client_as):
    """The map pages carry P-codes, names and figures; the shapes come from the cached
    document (tests/test_page_weight.py weighs the pages)."""
    html = client_as("viewer").get("/referrals/services/map/").content.decode()
    assert boundaries.for_level(2).url in html
    assert '"coordinates"' not in html


# --------------------------------------------------------------------------- Ménaka


def test_the_menaka_cercles_cover_the_old_cercle_each_holding_its_seat():
    ring = derive.old_menaka_ring()
    parts = derive.split_by_seats(ring, derive.MENAKA_SEATS)
    assert set(parts) == {"ML1001", "ML1002", "ML1003", "ML1004"} == MALI_APPROXIMATE
    total = derive.ring_area(ring)
    assert sum(derive.ring_area(p) for p in parts.values()) == pytest.approx(total, rel=1e-4)
    for code, part in parts.items():
        assert part[0] == part[-1] and len(part) >= 4
        assert derive.ring_area(part) > 0.03 * total  # counter-clockwise, not a sliver
        for other, seat in derive.MENAKA_SEATS.items():
            assert derive.contains(part, seat) == (other == code), (code, other)


def test_split_by_seats_halves_a_square_between_two_seats():
    square = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]
    parts = derive.split_by_seats(square, {"W": (0.5, 1), "E": (1.5, 1)})
    assert derive.ring_area(parts["W"]) == pytest.approx(2, rel=1e-3)
    assert derive.ring_area(parts["E"]) == pytest.approx(2, rel=1e-3)
    assert max(x for x, _y in parts["W"]) == pytest.approx(1, abs=1e-3)


def test_the_bundled_menaka_file_is_what_the_derivation_gives():
    assert MALI_DIR / MALI_MENAKA_FILE == derive.MENAKA_FILE
    bundled = json.loads(derive.MENAKA_FILE.read_text(encoding="utf-8"))
    assert bundled == json.loads(json.dumps(derive.menaka_collection()))
    assert all(f["properties"]["approximate"] is True for f in bundled["features"])


def test_dissolve_keeps_the_outer_border_of_polygons_sharing_theirs():
    west = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    east = [[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]
    (outer,) = derive.dissolve([west, east])
    assert outer[0] == outer[-1]
    assert derive.ring_area(outer) == 2
    assert [1, 0] in outer and [1, 1] in outer  # the corners of the old border stay, in line
    with pytest.raises(ValueError):
        derive.dissolve([west, [[1.5, 0], [2, 0], [2, 1], [1.5, 0]], east[:3] + [east[0]]])


def test_gao_is_the_union_of_its_three_cercles_and_the_bundled_file_is_that():
    (feature,) = derive.gao_collection()["features"]
    ring = feature["geometry"]["coordinates"][0]
    source = json.loads((MALI_DIR / "mali_adm2.geojson").read_text())
    cercles = {
        f["properties"]["adm2_pcode"]: f["geometry"]["coordinates"][0] for f in source["features"]
    }
    assert derive.ring_area(ring) == pytest.approx(
        sum(derive.ring_area(cercles[c]) for c in derive.GAO_CERCLES), rel=1e-9
    )
    assert not derive.contains(ring, derive.MENAKA_SEATS["ML1001"])
    assert derive.contains(ring, (-0.04, 16.27))  # the town of Gao
    bundled = json.loads(derive.GAO_FILE.read_text(encoding="utf-8"))
    assert bundled == json.loads(json.dumps(derive.gao_collection()))


def test_the_migration_gives_loaded_menaka_cercles_their_boundary_only_where_missing(areas):
    migration = importlib.import_module(
        "passerelle.geography.migrations.0002_menaka_cercles_approximate"
    )
    Area.objects.filter(pcode__in=["ML1001", "ML1002", "ML1003"]).update(geometry=None)
    kept = {"type": "Polygon", "coordinates": [[[3, 16], [4, 16], [4, 17], [3, 16]]]}
    Area.objects.filter(pcode="ML1004").update(geometry=kept)

    migration.forwards(registry, None)

    cercles = Area.objects.filter(pcode__startswith="ML10", level=2)
    shapes = dict(cercles.values_list("pcode", "geometry"))
    bundled = {
        f["properties"]["adm2_pcode"]: f["geometry"]
        for f in json.loads(derive.MENAKA_FILE.read_text(encoding="utf-8"))["features"]
    }
    assert shapes["ML1001"] == bundled["ML1001"]
    assert shapes["ML1003"] == bundled["ML1003"]
    assert shapes["ML1004"] == kept  # loaded by an administrator: left alone


def test_the_migration_redraws_gao_only_where_it_is_the_old_bundled_polygon(areas):
    migration = importlib.import_module(
        "passerelle.geography.migrations.0002_menaka_cercles_approximate"
    )
    regions = json.loads((MALI_DIR / "mali_adm1_geoboundaries_simplified.geojson").read_text())
    (old,) = [f["geometry"] for f in regions["features"] if f["properties"]["adm1_pcode"] == "ML07"]
    Area.objects.filter(pcode="ML07").update(geometry=old)

    migration.forwards(registry, None)

    (new,) = json.loads(derive.GAO_FILE.read_text(encoding="utf-8"))["features"]
    assert Area.objects.get(pcode="ML07").geometry == new["geometry"]
    mine = {"type": "Polygon", "coordinates": [[[0, 15], [1, 15], [1, 16], [0, 15]]]}
    Area.objects.filter(pcode="ML07").update(geometry=mine)
    migration.forwards(registry, None)
    assert Area.objects.get(pcode="ML07").geometry == mine


def test_only_the_boundaries_escape_the_no_store_rule():
    """NoStoreMiddleware leaves a response marked `public_cache` cacheable: only the
    boundaries view may mark one (a page with case data so marked would stay in caches)."""
    from pathlib import Path

    import passerelle

    root = Path(passerelle.__file__).resolve().parent
    marking = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "/tests/" not in str(path) and ".public_cache = True" in path.read_text("utf-8")
    )
    assert marking == ["geography/views.py"]
