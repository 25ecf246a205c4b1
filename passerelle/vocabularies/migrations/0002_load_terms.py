from django.db import migrations


def load(apps, schema_editor):
    from passerelle.vocabularies.loader import sync_terms

    sync_terms(apps.get_model("vocabularies", "Term"))


class Migration(migrations.Migration):
    dependencies = [("vocabularies", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
