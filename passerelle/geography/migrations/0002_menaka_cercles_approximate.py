"""Give the four cercles of Ménaka (ML1001–ML1004) their approximate boundaries where the
bundled Mali areas are already loaded without them (geography.derive; data/mali/SOURCE.md).

Only areas of the bundled P-code version that have no geometry are touched: a boundary loaded
by an administrator is never replaced. A new database gets them from ``load_areas --mali``.
"""

import json
from pathlib import Path

from django.db import migrations

MALI_VERSION = "cod-ab-2021-12-20"
FILE = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "mali"
    / "mali_menaka_cercles_approximate.geojson"
)


def forwards(apps, schema_editor):
    Area = apps.get_model("geography", "Area")
    if not FILE.exists():
        return
    features = json.loads(FILE.read_text(encoding="utf-8"))["features"]
    for feature in features:
        geometry = feature["geometry"]
        Area.objects.filter(
            pcode=feature["properties"]["adm2_pcode"],
            pcode_version=MALI_VERSION,
            geometry__isnull=True,
        ).update(geometry={"type": geometry["type"], "coordinates": geometry["coordinates"]})


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
