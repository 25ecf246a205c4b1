"""Recompute the stored terms of every request: place names, months, years and quarters now
stay out of them (the area and period fields carry where and when)."""

from django.db import migrations


def recompute(apps, schema_editor):
    from passerelle.inforequests.similarity import request_terms

    # The historical model has a plain manager: no policy scope applies in a migration.
    Request = apps.get_model("inforequests", "Request")
    for request in Request._base_manager.only("pk", "subject", "body", "terms").iterator():
        terms = request_terms(request.subject, request.body)
        if terms != request.terms:
            Request._base_manager.filter(pk=request.pk).update(terms=terms)


class Migration(migrations.Migration):
    dependencies = [("inforequests", "0001_initial")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
