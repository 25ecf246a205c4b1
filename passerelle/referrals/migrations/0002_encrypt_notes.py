"""The provider's notes and the notes of every referral step are encrypted at rest.

The columns become encrypted text (keeping what they hold), then every clear value is
encrypted with its row's associated data; idempotent, and reversible (decrypts back).
"""

from django.db import migrations

import passerelle.core.fields
from passerelle.core.sealing import sealing

provider_notes = sealing("referrals", "Referral", "provider_note")
step_notes = sealing("referrals", "ReferralEvent", "note")


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="referral",
            name="provider_note",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="note from the provider"
            ),
        ),
        migrations.AlterField(
            model_name="referralevent",
            name="note",
            field=passerelle.core.fields.EncryptedTextField(
                bind="referral_id", blank=True, editable=False, null=True, verbose_name="note"
            ),
        ),
        migrations.RunPython(*provider_notes),
        migrations.RunPython(*step_notes),
    ]
