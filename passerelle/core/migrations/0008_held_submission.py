# A form sent after its session ended for inactivity, kept encrypted for its user (core/held.py).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import passerelle.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_notification_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HeldSubmission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("path", models.CharField(max_length=500)),
                (
                    "payload",
                    passerelle.core.fields.EncryptedTextField(
                        blank=True, editable=False, null=True
                    ),
                ),
                ("files_dropped", models.PositiveIntegerField(default=0)),
                ("expires_at", models.DateTimeField(db_index=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
    ]
