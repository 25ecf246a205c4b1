"""The thematic areas along which focal points emerge (mission report; the global AoRs)."""

from django.db import migrations

AREAS = [
    ("child_protection", "Protection de l'enfance", "Child protection",
     "Violations graves contre les enfants (MRM), enfants non accompagnés ou séparés, "
     "enfants associés aux forces et groupes armés.",
     "Grave violations against children (MRM), unaccompanied and separated children, "
     "children associated with armed forces and groups."),
    ("gbv", "Violences basées sur le genre", "Gender-based violence",
     "VBG et violences sexuelles liées aux conflits (MARA), prise en charge des survivantes.",
     "GBV and conflict-related sexual violence (MARA), care for survivors."),
    ("hlp", "Logement, terre et propriété", "Housing, land and property",
     "Occupation des biens, litiges fonciers liés au déplacement et au retour.",
     "Occupied property, land disputes linked to displacement and return."),
    ("mine_action", "Action contre les mines", "Mine action",
     "Restes explosifs de guerre, éducation aux risques, assistance aux victimes.",
     "Explosive remnants of war, risk education, victim assistance."),
    ("human_rights", "Droits de l'homme", "Human rights",
     "Violations du droit international humanitaire et des droits de l'homme.",
     "Violations of international humanitarian and human rights law."),
    ("poc", "Protection des civils", "Protection of civilians",
     "Menaces imminentes de violence physique, analyse des risques, atténuation des dommages.",
     "Imminent threats of physical violence, risk analysis, harm mitigation."),
    ("durable_solutions", "Solutions durables", "Durable solutions",
     "Retour, intégration locale et réinstallation des personnes déplacées et réfugiées.",
     "Return, local integration and resettlement of displaced people and refugees."),
    ("justice", "Justice et assistance juridique", "Justice and legal aid",
     "Accès à la justice, assistance et conseil juridiques aux victimes.",
     "Access to justice, legal assistance and advice for victims."),
]


def seed(apps, schema_editor):
    ThematicArea = apps.get_model("directory", "ThematicArea")
    for order, (code, fr, en, dfr, den) in enumerate(AREAS, start=1):
        ThematicArea.objects.update_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_en": en,
                "description_fr": dfr,
                "description_en": den,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
