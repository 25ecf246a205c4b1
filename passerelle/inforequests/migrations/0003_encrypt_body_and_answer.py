"""What a request asks (its body) and its answer are encrypted at rest; the subject stays
in clear.

The columns become encrypted text (keeping what they hold), then every clear value is
encrypted with its row's associated data; idempotent, and reversible (decrypts back).
"""

from django.db import migrations

import passerelle.core.fields
from passerelle.core.sealing import sealing

texts = sealing("inforequests", "Request", "body", "answer")


class Migration(migrations.Migration):
    dependencies = [
        ("inforequests", "0002_recompute_terms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="request",
            name="answer",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="answer"
            ),
        ),
        migrations.AlterField(
            model_name="request",
            name="body",
            field=passerelle.core.fields.EncryptedTextField(
                blank=True, editable=False, null=True, verbose_name="what is asked, and why"
            ),
        ),
        migrations.RunPython(*texts),
    ]
