"""Break-glass reasons (why someone opened identities) are encrypted at rest.

The column becomes encrypted text (keeping what it holds), then every clear value is
encrypted with its row's associated data; idempotent, and reversible (decrypts back).
"""

from django.db import migrations

import passerelle.core.fields
from passerelle.core.sealing import sealing

reasons = sealing("sharing", "BreakGlass", "reason")


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0002_disclosure_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="breakglass",
            name="reason",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="reason"
            ),
        ),
        migrations.RunPython(*reasons),
    ]
