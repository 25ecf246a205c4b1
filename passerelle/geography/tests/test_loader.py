"""Tests for the P-code area loader and the load_areas management command."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import override
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.geography import derive
from passerelle.geography.derive import contains
from passerelle.geography.loader import (
    MALI_DIR,
    MALI_VERSION,
    AreaImportError,
    GeoJSONSource,
    LoadResult,
    load_areas,
    load_geojson,
    load_mali,
)
from passerelle.geography.models import Area

pytestmark = pytest.mark.django_db

HEADER = "pcode,name,level,parent_pcode"


def write(tmp_path, text, name="areas.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(tmp_path, rows, header=HEADER, name="areas.csv"):
    return write(tmp_path, "\n".join([header, *rows]) + "\n", name)


def square(x, y, size=1.0):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def write_geojson(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def snapshot():
    return [
        (a.pcode, a.name_fr, a.name_en, a.level, a.parent_id, a.pcode_version, a.geometry)
        for a in Area.objects.order_by("pcode")
    ]


SMALL_TREE = ["XY,Country,0,", "XY01,North,1,XY", "XY02,South,1,XY", "XY0101,Alpha,2,XY01"]


# --------------------------------------------------------------------------- bundled Mali data


def test_mali_loads_64_areas_with_geometry():
    result = load_mali()

    assert result == LoadResult(created=64, updated=0, unchanged=0)
    assert Area.objects.count() == 64
    assert Area.objects.filter(level=0).count() == 1
    assert Area.objects.filter(level=1).count() == 10
    assert Area.objects.filter(level=2).count() == 53
    assert set(Area.objects.values_list("pcode_version", flat=True)) == {MALI_VERSION}
    assert not Area.objects.regions().filter(geometry__isnull=True).exists()
    assert Area.objects.get(pcode="ML0406").parent.pcode == "ML04"
    assert Area.objects.get(pcode="ML01").parent.pcode == "ML"
    assert Area.objects.get(pcode="ML").parent is None


def test_mali_menaka_region_gets_the_old_menaka_cercle_polygon_and_its_cercles_a_part_each():
    load_mali()

    menaka = Area.objects.get(pcode="ML10")
    adm2 = json.loads((MALI_DIR / "mali_adm2.geojson").read_text())
    (old_cercle,) = [f for f in adm2["features"] if f["properties"]["adm2_pcode"] is None]
    assert old_cercle["properties"]["adm1_pcode"] == "ML10"
    assert menaka.geometry == old_cercle["geometry"]
    assert menaka.geometry["type"] in ("Polygon", "MultiPolygon")
    # The new Ménaka cercles get their approximate part of it (geography.derive); every cercle
    # has a boundary.
    menaka_cercles = Area.objects.filter(pcode__startswith="ML10", level=2)
    assert menaka_cercles.count() == 4
    assert menaka_cercles.filter(geometry__isnull=False).count() == 4
    assert Area.objects.filter(level=2, geometry__isnull=False).count() == 53
    # Gao is the union of its three cercles: the region of 2016, without Ménaka.
    gao = Area.objects.get(pcode="ML07").geometry["coordinates"][0]
    assert contains(gao, (-0.04, 16.27))  # Gao
    assert not contains(gao, derive.MENAKA_SEATS["ML1001"])


def test_mali_second_load_changes_nothing():
    load_mali()
    before = snapshot()

    result = load_mali()

    assert result.created == 0
    assert result == LoadResult(created=0, updated=0, unchanged=64)
    assert snapshot() == before


def test_mali_french_and_english_names():
    load_mali()
    segou = Area.objects.get(pcode="ML04")
    timbuktu = Area.objects.get(pcode="ML06")
    cercle = Area.objects.get(pcode="ML0605")

    with override("fr"):
        assert segou.name == "Ségou"
        assert timbuktu.name == "Tombouctou"
        assert cercle.name == "Tombouctou"
        assert str(Area.objects.get(pcode="ML10")) == "Ménaka"
    with override("en"):
        assert segou.name == "Ségou"
        assert timbuktu.name == "Timbuktu"
        assert cercle.name == "Timbuktu"
    accented = {
        "ML0101": "Bafoulabé",
        "ML0102": "Diéma",
        "ML0104": "Kéniéba",
        "ML0107": "Yélimané",
        "ML0303": "Kolondiéba",
        "ML0401": "Barouéli",
        "ML0503": "Djenné",
        "ML0507": "Ténenkou",
        "ML0601": "Diré",
        "ML0603": "Gourma-Rharous",
        "ML0604": "Niafunké",
        "ML0801": "Abeïbara",
        "ML0802": "Kidal",
        "ML0804": "Tin-Essako",
        "ML1001": "Ménaka",
        "ML1003": "Inékar",
        "ML1004": "Tidermène",
    }
    assert dict(Area.objects.filter(pcode__in=accented).values_list("pcode", "name_fr")) == accented


def test_bundled_names_file_covers_every_pcode():
    with open(MALI_DIR / "mali_admin.csv", encoding="utf-8") as handle:
        pcodes = [row["pcode"] for row in csv.DictReader(handle)]
    with open(MALI_DIR / "names.csv", encoding="utf-8") as handle:
        names = list(csv.DictReader(handle))
    assert len(pcodes) == 64
    assert [row["pcode"] for row in names] == pcodes
    different = {r["pcode"]: r["name_en"] for r in names if r["name_en"] != r["name_fr"]}
    assert different == {"ML06": "Timbuktu", "ML0605": "Timbuktu"}


# --------------------------------------------------------------------------- CSV loading


def test_csv_name_fills_french_and_english(tmp_path):
    result = load_areas(write_csv(tmp_path, SMALL_TREE), version="v1")

    assert result == LoadResult(created=4)
    north = Area.objects.get(pcode="XY01")
    assert (north.name_fr, north.name_en, north.level, north.parent.pcode) == (
        "North",
        "North",
        1,
        "XY",
    )
    assert north.pcode_version == "v1"


def test_csv_optional_name_columns_and_names_file(tmp_path):
    path = write_csv(
        tmp_path,
        ["XY,Pays,0,,Pays,Country", "XY01,Nord,1,XY,,"],
        header="pcode,name,level,parent_pcode,name_fr,name_en",
    )
    names = write_csv(
        tmp_path, ["XY01,Nord-Ouest,North-West"], header="pcode,name_fr,name_en", name="names.csv"
    )
    load_areas(path, names_path=names)

    country, north = Area.objects.get(pcode="XY"), Area.objects.get(pcode="XY01")
    assert (country.name_fr, country.name_en) == ("Pays", "Country")
    assert (north.name_fr, north.name_en) == ("Nord-Ouest", "North-West")
    with override("en"):
        assert country.name == "Country"
    with override("fr"):
        assert country.name == "Pays"


def test_children_may_be_listed_before_parents(tmp_path):
    rows = list(reversed(SMALL_TREE))
    assert load_areas(write_csv(tmp_path, rows)).created == 4
    assert Area.objects.get(pcode="XY0101").parent.parent.pcode == "XY"


def test_parent_may_already_be_in_the_database(tmp_path):
    load_areas(write_csv(tmp_path, SMALL_TREE[:2], name="a.csv"))
    result = load_areas(write_csv(tmp_path, ["XY0102,Beta,2,XY01"], name="b.csv"))
    assert result == LoadResult(created=1)
    assert Area.objects.get(pcode="XY0102").parent.pcode == "XY01"


def test_update_is_counted_and_version_kept_when_not_given(tmp_path):
    load_areas(write_csv(tmp_path, SMALL_TREE, name="a.csv"), version="v1")
    rows = [*SMALL_TREE[:3], "XY0101,Alpha renamed,2,XY01"]
    result = load_areas(write_csv(tmp_path, rows, name="b.csv"))
    assert result == LoadResult(created=0, updated=1, unchanged=3)
    alpha = Area.objects.get(pcode="XY0101")
    assert alpha.name_fr == "Alpha renamed"
    assert alpha.pcode_version == "v1"


def test_hxl_row_and_blank_lines_are_skipped(tmp_path):
    text = "\n".join([HEADER, "#adm1+code,#adm1+name,,", "", *SMALL_TREE, ""])
    assert load_areas(write(tmp_path, text)).created == 4


BAD_CSV_CASES = {
    "missing column": ("pcode,name,level\nXY,Country,0\n", 1, "parent_pcode"),
    "empty pcode": (f"{HEADER}\nXY,Country,0,\n,North,1,XY\n", 3, "P-code is empty"),
    "level not a number": (f"{HEADER}\nXY,Country,0,\nXY01,North,one,XY\n", 3, "level"),
    "level too high": (f"{HEADER}\nXY,Country,0,\nXY01,North,4,XY\n", 3, "level"),
    "level negative": (f"{HEADER}\nXY,Country,0,\nXY01,North,-1,XY\n", 3, "level"),
    "level decimal": (f"{HEADER}\nXY,Country,0,\nXY01,North,1.0,XY\n", 3, "level"),
    "duplicate pcode": (
        f"{HEADER}\nXY,Country,0,\nXY01,North,1,XY\nXY01,South,1,XY\n",
        4,
        "already appears in row 3",
    ),
    "parent not found": (f"{HEADER}\nXY,Country,0,\nXY0101,Alpha,2,XY01\n", 3, "does not exist"),
    "parent level wrong": (f"{HEADER}\nXY,Country,0,\nXY0101,Alpha,2,XY\n", 3, "level"),
    "name empty": (f"{HEADER}\nXY,Country,0,\nXY01,,1,XY\n", 3, "name"),
    "pcode not under parent": (
        f"{HEADER}\nXY,Country,0,\nXY01,North,1,XY\nZZ0101,Alpha,2,XY01\n",
        4,
        "does not start",
    ),
    "level 1 without parent": (f"{HEADER}\nXY,Country,0,\nXY01,North,1,\n", 3, "parent"),
    "country with parent": (f"{HEADER}\nXY,Country,0,\nZZ,Other,0,XY\n", 3, "parent"),
    "bad pcode characters": (f"{HEADER}\nXY,Country,0,\nXY 01,North,1,XY\n", 3, "P-code"),
    "too many values": (f"{HEADER}\nXY,Country,0,\nXY01,North,1,XY,extra\n", 3, "values"),
    "control character in name": (f"{HEADER}\nXY,Country,0,\nXY01,No\x07rth,1,XY\n", 3, "name"),
}


@pytest.mark.parametrize("case", BAD_CSV_CASES)
def test_bad_csv_row_is_reported_and_nothing_written(tmp_path, case):
    text, row, reason = BAD_CSV_CASES[case]
    with pytest.raises(AreaImportError) as excinfo:
        load_areas(write(tmp_path, text))

    errors = excinfo.value.errors
    assert any(f"Row {row} of areas.csv" in e and reason in e for e in errors), errors
    assert Area.objects.count() == 0


def test_bad_row_5_of_6_writes_none_of_rows_before_it(tmp_path):
    rows = [
        "XY,Country,0,",  # row 2
        "XY01,North,1,XY",  # row 3
        "XY0101,Alpha,2,XY01",  # row 4
        "XY0201,Orphan,2,XY02",  # row 5: parent XY02 exists nowhere
        "XY0102,Beta,2,XY01",  # row 6
    ]
    path = write_csv(tmp_path, rows)
    assert len(path.read_text().splitlines()) == 6

    with pytest.raises(AreaImportError) as excinfo:
        load_areas(path)

    assert excinfo.value.errors == ["Row 5 of areas.csv: the parent P-code XY02 does not exist."]
    assert Area.objects.count() == 0
    assert not Area.objects.filter(pcode__in=["XY", "XY01", "XY0101"]).exists()


def test_every_bad_row_is_reported_at_once(tmp_path):
    rows = ["XY,Country,0,", ",North,1,XY", "XY02,,1,XY", "XY03,East,7,XY", "XY04,West,1,QQ"]
    with pytest.raises(AreaImportError) as excinfo:
        load_areas(write_csv(tmp_path, rows))
    reported = {e.split(" of ")[0] for e in excinfo.value.errors}
    assert reported == {"Row 3", "Row 4", "Row 5", "Row 6"}


def test_bad_file_leaves_existing_areas_unchanged(tmp_path):
    load_mali()
    before = snapshot()
    rows = ["ML01,Kayes renamed,1,ML", "ML0199,New cercle,2,ML01", "ML0999,Bad,2,ML99"]

    with pytest.raises(AreaImportError) as excinfo:
        load_areas(write_csv(tmp_path, rows), version="other")

    assert excinfo.value.errors == ["Row 4 of areas.csv: the parent P-code ML99 does not exist."]
    assert snapshot() == before


def test_level_change_that_strands_stored_children_is_refused(tmp_path):
    load_areas(write_csv(tmp_path, SMALL_TREE, name="a.csv"))
    with pytest.raises(AreaImportError) as excinfo:
        load_areas(write_csv(tmp_path, ["XY,Country,0,", "XY01,North,0,"], name="b.csv"))
    assert "XY0101" in " ".join(excinfo.value.errors)


def test_unreadable_files_are_reported(tmp_path):
    missing = tmp_path / "missing.csv"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{HEADER}\nXY,S\xe9gou,0,\n".encode("latin-1"))
    empty = write(tmp_path, "", "empty.csv")
    for path in (missing, latin1, empty):
        with pytest.raises(AreaImportError) as excinfo:
            load_areas(path)
        assert path.name in excinfo.value.errors[0]
    assert Area.objects.count() == 0


def test_oversized_csv_field_is_reported(tmp_path):
    path = write(tmp_path, f'{HEADER}\nXY,"{"x" * 200_000}",0,\n')
    with pytest.raises(AreaImportError) as excinfo:
        load_areas(path)
    assert excinfo.value.errors[0].startswith("Line 2 of areas.csv is not valid CSV")


def test_names_file_errors(tmp_path):
    path = write_csv(tmp_path, SMALL_TREE)
    names = write_csv(
        tmp_path,
        ["XY,Pays,Country", "QQ01,Inconnu,Unknown", "XY01,,North", "XY,Pays,Country"],
        header="pcode,name_fr,name_en",
        name="names.csv",
    )
    with pytest.raises(AreaImportError) as excinfo:
        load_areas(path, names_path=names)
    errors = excinfo.value.errors
    assert any(e.startswith("Row 3 of names.csv") and "QQ01" in e for e in errors), errors
    assert any(e.startswith("Row 4 of names.csv") and "name_fr" in e for e in errors), errors
    assert any(e.startswith("Row 5 of names.csv") and "row 2" in e for e in errors), errors
    assert Area.objects.count() == 0


# --------------------------------------------------------------------------- GeoJSON loading


def test_geojson_attaches_geometry_with_fallback(tmp_path):
    load_areas(write_csv(tmp_path, SMALL_TREE))
    path = write_geojson(
        tmp_path,
        [
            feature(square(1, 1), adm2="XY0101", adm1="XY01"),
            feature(square(2, 2), adm2=None, adm1="XY02"),
        ],
    )

    result = load_geojson(path, "adm2", "adm1")

    assert result == LoadResult(created=0, updated=2, unchanged=0)
    assert Area.objects.get(pcode="XY0101").geometry == square(1, 1)
    assert Area.objects.get(pcode="XY02").geometry == square(2, 2)
    assert Area.objects.get(pcode="XY01").geometry is None
    assert load_geojson(path, "adm2", "adm1") == LoadResult(unchanged=2)


def test_geojson_and_csv_in_one_load(tmp_path):
    multi = {"type": "MultiPolygon", "coordinates": [square(0, 0)["coordinates"]]}
    result = load_areas(
        write_csv(tmp_path, SMALL_TREE),
        geojson=[GeoJSONSource(write_geojson(tmp_path, [feature(multi, code="XY")]), "code")],
    )
    assert result == LoadResult(created=4)
    assert Area.objects.get(pcode="XY").geometry == multi


BAD_GEOJSON_CASES = {
    "feature without geometry": (feature(None, code="XY01"), "no geometry"),
    "point geometry": (
        feature({"type": "Point", "coordinates": [1, 1]}, code="XY01"),
        "not Polygon",
    ),
    "unknown pcode": (feature(square(0, 0), code="QQ01"), "QQ01"),
    "missing property": (feature(square(0, 0), other="XY01"), "code"),
    "pcode not text": (feature(square(0, 0), code=1), "not text"),
    "open ring": (
        feature(
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, code="XY01"
        ),
        "coordinates",
    ),
    "latitude out of range": (feature(square(0, 95), code="XY01"), "coordinates"),
    "not an object": ("XY01", "not a JSON object"),
}


@pytest.mark.parametrize("case", BAD_GEOJSON_CASES)
def test_bad_geojson_feature_is_reported_and_nothing_written(tmp_path, case):
    load_areas(write_csv(tmp_path, SMALL_TREE))
    bad, reason = BAD_GEOJSON_CASES[case]
    path = write_geojson(tmp_path, [feature(square(0, 0), code="XY"), bad])

    with pytest.raises(AreaImportError) as excinfo:
        load_geojson(path, "code")

    errors = excinfo.value.errors
    assert any(e.startswith("Feature 2 of areas.geojson") and reason in e for e in errors), errors
    assert not Area.objects.filter(geometry__isnull=False).exists()


def test_geojson_duplicate_target_is_refused(tmp_path):
    load_areas(write_csv(tmp_path, SMALL_TREE))
    path = write_geojson(
        tmp_path, [feature(square(0, 0), code="XY01"), feature(square(1, 1), code="XY01")]
    )
    with pytest.raises(AreaImportError) as excinfo:
        load_geojson(path, "code")
    assert excinfo.value.errors[0].startswith("Feature 2 of areas.geojson")


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"type": "FeatureCollection", "features": [NaN]}',
        "[]",
        '{"type": "Feature"}',
        '{"type": "FeatureCollection", "features": {}}',
    ],
)
def test_bad_json_is_reported(tmp_path, text):
    load_areas(write_csv(tmp_path, SMALL_TREE))
    path = write(tmp_path, text, "bad.geojson")
    with pytest.raises(AreaImportError) as excinfo:
        load_geojson(path, "code")
    assert "bad.geojson" in excinfo.value.errors[0]


def test_csv_and_geojson_errors_are_reported_together(tmp_path):
    path = write_csv(tmp_path, ["XY,Country,0,", "XY01,North,5,XY"])
    geo = write_geojson(tmp_path, [feature(None, code="XY")])
    with pytest.raises(AreaImportError) as excinfo:
        load_areas(path, geojson=[GeoJSONSource(geo, "code")])
    first, second = excinfo.value.errors
    assert first.startswith("Row 3 of areas.csv: the level '5'")
    assert second == "Feature 1 of areas.geojson has no geometry."
    assert Area.objects.count() == 0


# --------------------------------------------------------------------------- management command


def test_command_mali():
    out = StringIO()
    call_command("load_areas", "--mali", stdout=out)
    assert "64" in out.getvalue()
    assert Area.objects.count() == 64
    out = StringIO()
    call_command("load_areas", "--mali", stdout=out)
    assert "created: 0" in out.getvalue()


def test_command_csv_names_geojson_and_version(tmp_path):
    path = write_csv(tmp_path, SMALL_TREE)
    names = write_csv(
        tmp_path, ["XY,Pays,Country"], header="pcode,name_fr,name_en", name="names.csv"
    )
    geo = write_geojson(tmp_path, [feature(square(0, 0), a=None, b="XY")])
    out = StringIO()
    call_command(
        "load_areas",
        str(path),
        "--names",
        str(names),
        "--geojson",
        str(geo),
        "--match-property",
        "a",
        "--fallback-property",
        "b",
        "--version",
        "v9",
        stdout=out,
    )
    country = Area.objects.get(pcode="XY")
    assert (country.name_en, country.pcode_version, country.geometry) == (
        "Country",
        "v9",
        square(0, 0),
    )
    assert "4" in out.getvalue()


def test_command_errors_go_to_stderr_and_fail(tmp_path):
    path = write_csv(tmp_path, ["XY,Country,0,", "XY01,North,1,XY", ",Nameless,1,XY"])
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_areas", str(path), stderr=err)
    assert excinfo.value.returncode == 1
    assert "Row 4 of areas.csv: the P-code is empty." in err.getvalue()
    assert Area.objects.count() == 0


@pytest.mark.parametrize(
    "args",
    [[], ["--mali", "x.csv"], ["--geojson", "x.geojson"], ["x.csv", "--match-property", "a"]],
)
def test_command_rejects_bad_option_combinations(args):
    with pytest.raises(CommandError):
        call_command("load_areas", *args)


# --------------------------------------------------------------------------- property tests

NAMES = (
    st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def area_trees(draw):
    """A random valid tree: a country, then children whose P-code is parent P-code + 2 digits."""
    root = draw(st.from_regex(r"[A-Z]{2}", fullmatch=True))
    areas = [(root, draw(NAMES), 0, "")]
    frontier = [(root, 0)]
    while frontier:
        pcode, level = frontier.pop()
        if level == 3:
            continue
        suffixes = draw(st.lists(st.integers(1, 99), max_size=3 if level < 2 else 2, unique=True))
        for suffix in suffixes:
            child = f"{pcode}{suffix:02d}"
            areas.append((child, draw(NAMES), level + 1, pcode))
            frontier.append((child, level + 1))
    return draw(st.permutations(areas))


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(areas=area_trees())
def test_random_valid_trees_load_exactly_and_reload_is_a_no_op(tmp_path, areas):
    path = tmp_path / "tree.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        writer.writerows([pcode, name, level, parent] for pcode, name, level, parent in areas)

    with transaction.atomic():
        assert load_areas(path, version="v") == LoadResult(created=len(areas))
        stored = {
            a.pcode: (a.name_fr, a.name_en, a.level, a.parent.pcode if a.parent else "")
            for a in Area.objects.select_related("parent")
        }
        assert stored == {p: (n, n, lv, pp) for p, n, lv, pp in areas}
        before = snapshot()
        assert load_areas(path, version="v") == LoadResult(unchanged=len(areas))
        assert snapshot() == before
        transaction.set_rollback(True)


def _only_area_import_error(load):
    with transaction.atomic():
        try:
            load()
        except AreaImportError as exc:
            assert exc.errors
            assert all(isinstance(e, str) and e for e in exc.errors)
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(
    lines=st.lists(st.text(max_size=40), max_size=8),
    header=st.sampled_from(["", HEADER + "\n", "pcode,name_fr,name_en\n"]),
)
def test_garbage_csv_only_raises_area_import_error(tmp_path, lines, header):
    path = write(tmp_path, header + "\n".join(lines), "garbage.csv")
    _only_area_import_error(lambda: load_areas(path))
    _only_area_import_error(lambda: load_areas(names_path=path))


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=200))
def test_garbage_bytes_only_raise_area_import_error(tmp_path, data):
    path = tmp_path / "garbage.bin"
    path.write_bytes(data)
    _only_area_import_error(lambda: load_areas(path))
    _only_area_import_error(lambda: load_geojson(path, "code", "other"))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.sampled_from(["XY", "XY01", "Polygon", "MultiPolygon", "Feature"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "coordinates", "geometry", "properties", "code", "other"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@PROPERTY_SETTINGS
@given(features=st.lists(JSON_VALUES, max_size=5), text=st.text(max_size=30))
def test_garbage_geojson_only_raises_area_import_error(tmp_path, features, text):
    if not Area.objects.exists():  # examples share the test's transaction
        load_areas(write_csv(tmp_path, SMALL_TREE))
    collection = tmp_path / "garbage.geojson"
    collection.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    raw = write(tmp_path, text, "raw.geojson")
    _only_area_import_error(lambda: load_geojson(collection, "code", "other"))
    _only_area_import_error(lambda: load_geojson(raw, "code"))
