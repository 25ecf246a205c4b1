"""Draw Ménaka where the bundled Mali areas were loaded before (geography.derive;
data/mali/SOURCE.md): the four cercles of Ménaka (ML1001–ML1004) get their approximate parts of
the old Ménaka cercle, and region ML07 Gao the union of its three cercles instead of the old
region polygon that still held Ménaka.

Only areas of the bundled P-code version are touched, and only where they have no boundary
(the cercles) or still the bundled old one (Gao): a boundary loaded by an administrator is
never replaced. A new database gets them from ``load_areas --mali``.
"""

import json
from pathlib import Path

from django.db import migrations

MALI_VERSION = "cod-ab-2021-12-20"
DATA = Path(__file__).resolve().parent.parent / "data" / "mali"


def _features(name):
    path = DATA / name
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _shape(feature):
    geometry = feature["geometry"]
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


def forwards(apps, schema_editor):
    Area = apps.get_model("geography", "Area")
    bundled = Area.objects.filter(pcode_version=MALI_VERSION)
    for feature in _features("mali_menaka_cercles_approximate.geojson"):
        bundled.filter(pcode=feature["properties"]["adm2_pcode"], geometry__isnull=True).update(
            geometry=_shape(feature)
        )
    old = [
        _shape(f)
        for f in _features("mali_adm1_geoboundaries_simplified.geojson")
        if f["properties"].get("adm1_pcode") == "ML07"
    ]
    new = _features("mali_adm1_gao_without_menaka.geojson")
    gao = bundled.filter(pcode="ML07").first()
    if old and new and gao is not None and gao.geometry == old[0]:
        gao.geometry = _shape(new[0])
        gao.save(update_fields=["geometry"])


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
