"""The thematic areas along which focal points emerge (see directory/thematic_areas.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from passerelle.directory.thematic_areas import sync_thematic_areas

    sync_thematic_areas(apps.get_model("directory", "ThematicArea"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
