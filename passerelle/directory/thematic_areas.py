"""The thematic areas along which focal points emerge (mission report; the global AoRs).

Loaded by migration 0002 and again by `sync_thematic_areas` wherever they must exist even
after a test flushed the tables (the demo loader)."""

from django.db import transaction

AREAS = [
    (
        "child_protection",
        "Protection de l'enfance",
        "Child protection",
        "Violations graves contre les enfants (MRM), enfants non accompagnés ou séparés, "
        "enfants associés aux forces et groupes armés.",
        "Grave violations against children (MRM), unaccompanied and separated children, "
        "children associated with armed forces and groups.",
    ),
    (
        "gbv",
        "Violences basées sur le genre",
        "Gender-based violence",
        "VBG et violences sexuelles liées aux conflits (MARA), prise en charge des survivantes.",
        "GBV and conflict-related sexual violence (MARA), care for survivors.",
    ),
    (
        "hlp",
        "Logement, terre et propriété",
        "Housing, land and property",
        "Occupation des biens, litiges fonciers liés au déplacement et au retour.",
        "Occupied property, land disputes linked to displacement and return.",
    ),
    (
        "mine_action",
        "Action contre les mines",
        "Mine action",
        "Restes explosifs de guerre, éducation aux risques, assistance aux victimes.",
        "Explosive remnants of war, risk education, victim assistance.",
    ),
    (
        "human_rights",
        "Droits de l'homme",
        "Human rights",
        "Violations du droit international humanitaire et des droits de l'homme.",
        "Violations of international humanitarian and human rights law.",
    ),
    (
        "poc",
        "Protection des civils",
        "Protection of civilians",
        "Menaces imminentes de violence physique, analyse des risques, atténuation des dommages.",
        "Imminent threats of physical violence, risk analysis, harm mitigation.",
    ),
    (
        "durable_solutions",
        "Solutions durables",
        "Durable solutions",
        "Retour, intégration locale et réinstallation des personnes déplacées et réfugiées.",
        "Return, local integration and resettlement of displaced people and refugees.",
    ),
    (
        "justice",
        "Justice et assistance juridique",
        "Justice and legal aid",
        "Accès à la justice, assistance et conseil juridiques aux victimes.",
        "Access to justice, legal assistance and advice for victims.",
    ),
]


def sync_thematic_areas(ThematicArea) -> int:
    """Create the missing areas and bring names, descriptions and order in line with AREAS
    (writing only what differs); returns the number created. Idempotent."""
    manager = ThematicArea._default_manager
    created = 0
    with transaction.atomic(using=manager.db):
        existing = {t.code: t for t in manager.all()}
        for order, (code, fr, en, dfr, den) in enumerate(AREAS, start=1):
            values = {
                "name_fr": fr,
                "name_en": en,
                "description_fr": dfr,
                "description_en": den,
                "order": order,
            }
            area = existing.get(code)
            if area is None:
                manager.create(code=code, **values)
                created += 1
            elif any(getattr(area, k) != v for k, v in values.items()):
                manager.filter(pk=area.pk).update(**values)
    return created
