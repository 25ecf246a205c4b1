from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_notification"),
    ]

    operations = [
        migrations.CreateModel(
            name="Counter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, unique=True)),
                ("value", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "counter",
                "verbose_name_plural": "counters",
            },
        ),
    ]
