"""Exact coordinates, verification notes and consent notes are encrypted at rest.

The columns become encrypted text (keeping what they hold), then every clear value is
encrypted with its row's associated data; idempotent, and reversible (decrypts back).
"""

from decimal import Decimal

from django.db import migrations

import passerelle.core.fields
from passerelle.core.sealing import sealing


def _degrees(text: str) -> str:
    return f"{Decimal(text):.5f}"


coordinates = sealing(
    "incidents", "Incident", "latitude", "longitude", normalise=_degrees, blank_nulls=False
)
verification_notes = sealing("incidents", "VerificationEvent", "note")
consent_notes = sealing("incidents", "Consent", "note")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consent",
            name="note",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="note"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="latitude",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="latitude"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="longitude",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="longitude"
            ),
        ),
        migrations.AlterField(
            model_name="verificationevent",
            name="note",
            field=passerelle.core.fields.EncryptedTextField(
                bind="incident_id", blank=True, editable=False, null=True, verbose_name="note"
            ),
        ),
        migrations.RunPython(*coordinates),
        migrations.RunPython(*verification_notes),
        migrations.RunPython(*consent_notes),
    ]
