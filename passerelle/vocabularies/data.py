"""Reference terms shipped with Passerelle (loaded by ``loader.sync_terms``).

Pure data: this module must not import Django, so that it can be read by tests, scripts and data
migrations alike. Each entry is a dict::

    {"vocabulary": ..., "code": ..., "parent": <parent code or None>,
     "en": ..., "fr": ..., "standard": ...}

The position of an entry in ``TERMS`` is its sort order. Parents always come before their
children and belong to the same vocabulary. Codes come from the standards where they exist
(Primero MRM IMS+ violation ids, GBVIMS/Primero type ids, HURIDOCS micro-thesaurus codes, GPC
protection risks); labels are paraphrased. See /work/shared/domain/01-05 for the references.
"""

CATEGORY = "category"
PERPETRATOR = "perpetrator"
AGE_GROUP = "age_group"
SOURCE_TYPE = "source_type"
RELIABILITY = "reliability"
DISPLACEMENT = "displacement"

VOCABULARIES = (CATEGORY, PERPETRATOR, AGE_GROUP, SOURCE_TYPE, RELIABILITY, DISPLACEMENT)

# Standards (free text stored in Term.standard).
MRM = "MRM"
MRM_IMS = "MRM IMS+"
MARA = "MARA (SCR 1960)"
GBVIMS = "GBVIMS"
HURIDOCS_MT4 = "HURIDOCS MT 4"
GPC = "GPC protection risks"
PERPETRATOR_STD = "MRM / HURIDOCS MT 24"
AGE_STD = "SADD age groups"
SOURCE_STD = "HURIDOCS MT 19 / MRM"
RELIABILITY_STD = "HURIDOCS MT 42"


def _term(vocabulary, code, parent, en, fr, standard):
    return {
        "vocabulary": vocabulary,
        "code": code,
        "parent": parent,
        "en": en,
        "fr": fr,
        "standard": standard,
    }


def _children(vocabulary, parent, rows, standard):
    """Terms under ``parent``; each code is ``parent + "." + subcode``."""
    return [_term(vocabulary, f"{parent}.{sub}", parent, en, fr, standard) for sub, en, fr in rows]


# ---------------------------------------------------------------------------------------------
# 1. Incident categories: framework root -> category -> (MRM only) sub-type
# ---------------------------------------------------------------------------------------------

ROOTS = [
    (
        "mrm",
        "Grave violations against children (MRM)",
        "Violations graves contre les enfants (MRM)",
        MRM,
    ),
    (
        "crsv",
        "Conflict-related sexual violence (MARA)",
        "Violences sexuelles liées aux conflits (MARA)",
        MARA,
    ),
    ("gbv", "Gender-based violence (GBVIMS)", "Violences basées sur le genre (GBVIMS)", GBVIMS),
    ("hr", "Human rights violations", "Violations des droits de l'homme", HURIDOCS_MT4),
    (
        "pm",
        "Protection risks (protection monitoring)",
        "Risques de protection (monitoring de protection)",
        GPC,
    ),
]

# Primero MRM IMS+ violation types (the six grave violations, then the two tracked ones).
MRM_CATEGORIES = [
    ("killing", "Killing of children", "Meurtres d'enfants"),
    ("maiming", "Maiming of children", "Mutilations d'enfants"),
    ("recruitment", "Recruitment and use of children", "Recrutement et utilisation d'enfants"),
    (
        "sexual_violence",
        "Rape and other forms of sexual violence against children",
        "Viols et autres formes de violence sexuelle contre des enfants",
    ),
    ("abduction", "Abduction of children", "Enlèvements d'enfants"),
    (
        "attack_on_schools",
        "Attacks on schools and education personnel",
        "Attaques contre des écoles et du personnel éducatif",
    ),
    (
        "attack_on_hospitals",
        "Attacks on hospitals and medical personnel",
        "Attaques contre des hôpitaux et du personnel médical",
    ),
    (
        "denial_humanitarian_access",
        "Denial of humanitarian access to children",
        "Déni d'accès humanitaire aux enfants",
    ),
    (
        "military_use",
        "Military use of schools and hospitals",
        "Utilisation militaire d'écoles et d'hôpitaux",
    ),
    (
        "deprivation_liberty",
        "Deprivation of liberty for alleged association with a party to the conflict",
        "Privation de liberté pour association présumée avec une partie au conflit",
    ),
]

# MRM IMS+ attack types and the main weapon types (killing and maiming forms).
MRM_ATTACK_WEAPON = [
    ("aerial_attack", "Aerial attack", "Attaque aérienne"),
    ("arson", "Arson", "Incendie criminel"),
    ("land_based_attack", "Land-based attack", "Attaque terrestre"),
    ("shooting", "Shooting (e.g. sniper fire)", "Tirs (par ex. tireur embusqué)"),
    ("suicide_attack", "Suicide attack", "Attentat-suicide"),
    ("ied", "Improvised explosive device (IED)", "Engin explosif improvisé (EEI)"),
    ("landmine", "Landmine", "Mine terrestre"),
    (
        "erw",
        "Explosive remnants of war (unexploded or abandoned ordnance)",
        "Restes explosifs de guerre (munitions non explosées ou abandonnées)",
    ),
    (
        "small_arms_light_weapons",
        "Small arms and light weapons",
        "Armes légères et de petit calibre",
    ),
    ("mortar_rocket", "Mortar or rocket", "Mortier ou roquette"),
    ("sharp_weapon", "Sharp weapon (knife, machete)", "Arme blanche (couteau, machette)"),
    ("other", "Other", "Autre"),
    ("unknown", "Unknown", "Inconnu"),
]

# Child roles: combatant roles first, then non-combatant roles.
MRM_RECRUITMENT_ROLES = [
    ("fighter", "Fighter", "Combattant"),
    (
        "spy_informant",
        "Intelligence gathering, spy or informant",
        "Collecte de renseignements, espion ou informateur",
    ),
    ("guard", "Guard", "Garde"),
    ("laying_mines", "Laying mines", "Pose de mines"),
    ("checkpoint", "Manning checkpoints", "Tenue de postes de contrôle"),
    ("suicide_bomber", "Suicide bomber", "Auteur d'attentat-suicide"),
    ("cook", "Cook", "Cuisinier"),
    ("domestic_worker", "Domestic work", "Travaux domestiques"),
    ("porter", "Porter", "Porteur"),
    ("human_shield", "Human shield", "Bouclier humain"),
    ("sexual_purposes", "Used for sexual purposes", "Utilisé à des fins sexuelles"),
    ("other", "Other role", "Autre rôle"),
    ("unknown", "Role unknown", "Rôle inconnu"),
]

MRM_SEXUAL_VIOLENCE_FORMS = [
    ("rape", "Rape", "Viol"),
    ("gang_rape", "Gang rape", "Viol collectif"),
    ("sexual_assault", "Sexual assault", "Agression sexuelle"),
    (
        "sexual_slavery_trafficking",
        "Sexual slavery and/or trafficking",
        "Esclavage sexuel et/ou traite",
    ),
    ("enforced_prostitution", "Enforced prostitution", "Prostitution forcée"),
    ("enforced_sterilization", "Enforced sterilization", "Stérilisation forcée"),
    ("forced_pregnancy", "Forced pregnancy", "Grossesse forcée"),
    ("forced_abortion", "Forced abortion", "Avortement forcé"),
    ("forced_marriage", "Forced marriage", "Mariage forcé"),
    ("sexual_mutilation", "Sexual mutilation", "Mutilation sexuelle"),
]

MRM_ABDUCTION_PURPOSES = [
    ("extortion", "Extortion or ransom", "Extorsion ou rançon"),
    ("forced_marriage", "Forced marriage", "Mariage forcé"),
    ("indoctrination", "Indoctrination", "Endoctrinement"),
    ("intimidation", "Intimidation", "Intimidation"),
    ("killing_maiming", "Killing or maiming", "Meurtre ou mutilation"),
    ("punishment", "Punishment", "Punition"),
    ("recruitment_use", "Recruitment and use", "Recrutement et utilisation"),
    ("sexual_violence", "Rape or other sexual violence", "Viol ou autre violence sexuelle"),
    ("forced_labour", "Forced labour", "Travail forcé"),
    ("sale_of_children", "Sale of children", "Vente d'enfants"),
    ("trafficking", "Trafficking of children", "Traite d'enfants"),
    ("enslavement", "Enslavement", "Réduction en esclavage"),
    ("unknown", "Purpose unknown", "Finalité inconnue"),
    ("other", "Other purpose", "Autre finalité"),
]

MRM_SCHOOL_ATTACKS = [
    ("attack_on_school", "Attack on a school", "Attaque contre une école"),
    (
        "attack_on_education_personnel",
        "Attack on education personnel",
        "Attaque contre du personnel éducatif",
    ),
    ("threat_of_attack", "Threat of attack on a school", "Menace d'attaque contre une école"),
    ("other_interference", "Other interference with education", "Autre entrave à l'éducation"),
]

MRM_HOSPITAL_ATTACKS = [
    (
        "attack_on_hospital",
        "Attack on a hospital or health facility",
        "Attaque contre un hôpital ou une structure de santé",
    ),
    (
        "attack_on_medical_personnel",
        "Attack on medical personnel",
        "Attaque contre du personnel médical",
    ),
    (
        "threat_of_attack",
        "Threat of attack on a hospital or health facility",
        "Menace d'attaque contre un hôpital ou une structure de santé",
    ),
    (
        "other_interference",
        "Other interference with health care",
        "Autre entrave aux soins de santé",
    ),
]

MRM_DENIAL_METHODS = [
    (
        "abduction_of_personnel",
        "Abduction of humanitarian personnel",
        "Enlèvement de personnel humanitaire",
    ),
    ("besiegement", "Siege or encirclement", "Siège ou encerclement"),
    (
        "entry_restrictions",
        "Entry restrictions on humanitarian personnel",
        "Restrictions d'entrée imposées au personnel humanitaire",
    ),
    (
        "import_restrictions",
        "Import restrictions on relief goods",
        "Restrictions à l'importation de biens de secours",
    ),
    ("financial_restrictions", "Financial restrictions", "Restrictions financières"),
    (
        "property_damage",
        "Damage to humanitarian property or premises",
        "Dommages aux biens ou locaux humanitaires",
    ),
    ("theft", "Theft of humanitarian goods or assets", "Vol de biens ou de matériel humanitaires"),
    (
        "beneficiary_access_restriction",
        "Restriction of beneficiaries' access to assistance",
        "Restriction de l'accès des bénéficiaires à l'assistance",
    ),
    (
        "violence_against_beneficiaries",
        "Threats or violence against beneficiaries",
        "Menaces ou violences contre des bénéficiaires",
    ),
    (
        "violence_against_personnel",
        "Threats or violence against humanitarian personnel",
        "Menaces ou violences contre du personnel humanitaire",
    ),
    (
        "travel_restrictions",
        "In-country travel restrictions",
        "Restrictions de déplacement à l'intérieur du pays",
    ),
    ("vehicle_hijacking", "Vehicle hijacking", "Braquage ou détournement de véhicule"),
    ("other", "Other method", "Autre méthode"),
]

MRM_MILITARY_USE_PURPOSES = [
    ("barracks", "Barracks or dormitory", "Caserne ou dortoir"),
    ("command_post", "Command post", "Poste de commandement"),
    ("sniper_position", "Sniper position", "Position de tireur embusqué"),
    ("storage", "Storage", "Entreposage"),
    ("weapons_depot", "Weapons depot", "Dépôt d'armes"),
    ("unknown", "Purpose unknown", "Finalité inconnue"),
    ("other", "Other purpose", "Autre finalité"),
]

MRM_DETENTION_FACILITIES = [
    (
        "police_station",
        "Police or gendarmerie station",
        "Commissariat de police ou brigade de gendarmerie",
    ),
    (
        "intelligence_premises",
        "Intelligence service premises",
        "Locaux des services de renseignement",
    ),
    ("juvenile_centre", "Juvenile detention centre", "Centre de détention pour mineurs"),
    ("prison", "Prison", "Prison ou maison d'arrêt"),
    (
        "illegal_detention_facility",
        "Unofficial or illegal place of detention",
        "Lieu de détention illégal ou non officiel",
    ),
    ("other", "Other facility", "Autre lieu"),
]

MRM_SUBTYPES = {
    "killing": MRM_ATTACK_WEAPON,
    "maiming": MRM_ATTACK_WEAPON,
    "recruitment": MRM_RECRUITMENT_ROLES,
    "sexual_violence": MRM_SEXUAL_VIOLENCE_FORMS,
    "abduction": MRM_ABDUCTION_PURPOSES,
    "attack_on_schools": MRM_SCHOOL_ATTACKS,
    "attack_on_hospitals": MRM_HOSPITAL_ATTACKS,
    "denial_humanitarian_access": MRM_DENIAL_METHODS,
    "military_use": MRM_MILITARY_USE_PURPOSES,
    "deprivation_liberty": MRM_DETENTION_FACILITIES,
}

# Core CRSV forms from SG reports, then the extra forms also recorded by MRM IMS+.
CRSV_CATEGORIES = [
    ("rape", "Rape", "Viol"),
    ("sexual_slavery", "Sexual slavery", "Esclavage sexuel"),
    ("forced_prostitution", "Forced prostitution", "Prostitution forcée"),
    ("forced_pregnancy", "Forced pregnancy", "Grossesse forcée"),
    ("enforced_sterilization", "Enforced sterilization", "Stérilisation forcée"),
    (
        "other_comparable_gravity",
        "Other sexual violence of comparable gravity",
        "Autres formes de violence sexuelle d'une gravité comparable",
    ),
    ("gang_rape", "Gang rape", "Viol collectif"),
    ("sexual_assault", "Sexual assault", "Agression sexuelle"),
    ("forced_abortion", "Forced abortion", "Avortement forcé"),
    ("forced_marriage", "Forced marriage", "Mariage forcé"),
    ("sexual_mutilation", "Sexual mutilation", "Mutilation sexuelle"),
    (
        "trafficking_for_sexual_exploitation",
        "Trafficking for sexual exploitation",
        "Traite à des fins d'exploitation sexuelle",
    ),
]

# GBVIMS six core types, in the order of the classification decision tree.
GBV_CATEGORIES = [
    ("rape", "Rape", "Viol"),
    ("sexual_assault", "Sexual assault", "Agression sexuelle"),
    ("physical_assault", "Physical assault", "Agression physique"),
    (
        "forced_marriage",
        "Forced marriage (including child marriage)",
        "Mariage forcé (y compris le mariage d'enfants)",
    ),
    (
        "denial_of_resources",
        "Denial of resources, opportunities or services",
        "Déni de ressources, d'opportunités ou de services",
    ),
    (
        "psychological_emotional_abuse",
        "Psychological or emotional abuse",
        "Violence psychologique ou émotionnelle",
    ),
]

# HURIDOCS MT 4 (types of acts): subset used in conflict monitoring, in code order.
HR_CATEGORIES = [
    ("010101020000", "Extrajudicial execution", "Exécution extrajudiciaire"),
    (
        "010103020000",
        "Deliberate killing of a non-combatant in armed conflict",
        "Meurtre délibéré d'un non-combattant dans le cadre du conflit armé",
    ),
    (
        "010105000000",
        "Indiscriminate or random killing",
        "Homicide résultant d'une attaque aveugle ou aléatoire",
    ),
    ("010106010000", "Death in detention or custody", "Décès en détention ou en garde à vue"),
    ("010109000000", "Attempted killing", "Tentative de meurtre"),
    ("020101000000", "Physical assault", "Agression physique"),
    ("020103020000", "Death threats", "Menaces de mort"),
    ("020111010000", "Rape", "Viol"),
    ("020111110000", "Torture", "Torture"),
    ("020121000000", "Collective punishment", "Punition collective"),
    ("030101000000", "Arbitrary arrest", "Arrestation arbitraire"),
    (
        "030102000000",
        "Arbitrary detention or imprisonment",
        "Détention ou emprisonnement arbitraire",
    ),
    ("030103000000", "Enforced disappearance", "Disparition forcée"),
    ("030104000000", "Abduction or kidnapping", "Enlèvement ou rapt"),
    ("040101000000", "Unlawful search or raid", "Perquisition ou descente illégale"),
    ("050103000000", "Forced eviction", "Expulsion forcée"),
    ("050104000000", "Forced displacement", "Déplacement forcé"),
    (
        "050106000000",
        "Restriction on freedom of movement",
        "Restriction de la liberté de circulation",
    ),
    ("050107000000", "Denial of the right of return", "Déni du droit au retour"),
    ("130101000000", "Looting or theft", "Pillage ou vol"),
    ("130103000000", "Destruction of property", "Destruction de biens"),
    ("130104000000", "Extortion", "Extorsion"),
    ("130107000000", "Confiscation of property", "Confiscation de biens"),
    ("130108000000", "Land expropriation", "Expropriation foncière"),
    ("530107000000", "Denial of medical treatment", "Refus de soins médicaux"),
]

# Global Protection Cluster: the 15 standardised protection risks.
PM_CATEGORIES = [
    (
        "abduction_detention",
        "Abduction, kidnapping, enforced disappearance, arbitrary or unlawful arrest or detention",
        "Enlèvement, rapt, disparition forcée, ou arrestation ou détention arbitraire ou illégale",
    ),
    (
        "attacks_on_civilians",
        "Attacks on civilians and civilian objects, and other unlawful killings",
        "Attaques contre les civils et les biens de caractère civil, et autres homicides illégaux",
    ),
    (
        "family_separation",
        "Child and forced family separation",
        "Séparation d'enfants de leur famille et séparation forcée des familles",
    ),
    (
        "child_forced_marriage",
        "Child, early or forced marriage",
        "Mariage d'enfants, précoce ou forcé",
    ),
    (
        "discrimination_denial",
        "Discrimination and stigmatisation; denial of resources, opportunities, services or "
        "humanitarian access",
        "Discrimination et stigmatisation ; déni de ressources, d'opportunités, de services ou "
        "d'accès humanitaire",
    ),
    (
        "disinformation",
        "Disinformation and denial of access to information",
        "Désinformation et déni d'accès à l'information",
    ),
    (
        "child_recruitment",
        "Forced recruitment and association of children with armed forces and groups",
        "Recrutement forcé et association d'enfants aux forces et groupes armés",
    ),
    ("gbv", "Gender-based violence", "Violences basées sur le genre"),
    (
        "documentation_justice",
        "Impediments or restrictions to access to legal identity, remedies and justice",
        "Entraves ou restrictions à l'accès à l'identité juridique, aux voies de recours et à la "
        "justice",
    ),
    (
        "explosive_ordnance",
        "Presence of mines and other explosive ordnance",
        "Présence de mines et d'autres engins explosifs",
    ),
    (
        "psychological_distress",
        "Psychological or emotional abuse, or inflicted distress",
        "Violence psychologique ou émotionnelle, ou détresse infligée",
    ),
    (
        "property",
        "Theft, extortion, forced eviction or destruction of personal property",
        "Vol, extorsion, expulsion forcée ou destruction de biens personnels",
    ),
    (
        "torture_cidt",
        "Torture or cruel, inhuman or degrading treatment or punishment",
        "Torture ou peines ou traitements cruels, inhumains ou dégradants",
    ),
    (
        "trafficking_forced_labour",
        "Trafficking in persons, forced labour or slavery-like practices",
        "Traite des personnes, travail forcé ou pratiques analogues à l'esclavage",
    ),
    (
        "movement_displacement",
        "Unlawful restrictions on freedom of movement, sieges and forced displacement",
        "Entraves illégales à la liberté de circulation, sièges et déplacements forcés",
    ),
]

CATEGORIES = {
    "mrm": (MRM_CATEGORIES, MRM),
    "crsv": (CRSV_CATEGORIES, MARA),
    "gbv": (GBV_CATEGORIES, GBVIMS),
    "hr": (HR_CATEGORIES, HURIDOCS_MT4),
    "pm": (PM_CATEGORIES, GPC),
}


def _category_terms():
    terms = []
    for root, en, fr, standard in ROOTS:
        terms.append(_term(CATEGORY, root, None, en, fr, standard))
        rows, category_standard = CATEGORIES[root]
        for sub, sub_en, sub_fr in rows:
            code = f"{root}.{sub}"
            terms.append(_term(CATEGORY, code, root, sub_en, sub_fr, category_standard))
            if root == "mrm":
                terms.extend(_children(CATEGORY, code, MRM_SUBTYPES[sub], MRM_IMS))
    return terms


# ---------------------------------------------------------------------------------------------
# 2-6. Flat vocabularies
# ---------------------------------------------------------------------------------------------

# Generic categories only: named parties to the conflict are recorded elsewhere, never here.
PERPETRATORS = [
    ("national_armed_forces", "National armed forces", "Forces armées nationales"),
    (
        "national_security_forces",
        "National police, gendarmerie or other security forces",
        "Police, gendarmerie ou autres forces de sécurité nationales",
    ),
    ("international_forces", "International military forces", "Forces militaires internationales"),
    ("non_state_armed_group", "Non-State armed group", "Groupe armé non étatique"),
    (
        "self_defence_militia",
        "Self-defence militia or community armed group",
        "Milice d'autodéfense ou groupe armé communautaire",
    ),
    ("criminal_group", "Criminal group or bandits", "Groupe criminel ou bandits"),
    ("civilian_community", "Civilian – community member", "Civil – membre de la communauté"),
    (
        "civilian_family",
        "Civilian – family member or intimate partner",
        "Civil – membre de la famille ou partenaire intime",
    ),
    ("other", "Other", "Autre"),
    ("unknown", "Unknown", "Inconnu"),
]

AGE_GROUPS = [
    ("0_4", "0–4 years", "0–4 ans"),
    ("5_11", "5–11 years", "5–11 ans"),
    ("12_17", "12–17 years", "12–17 ans"),
    ("18_59", "18–59 years", "18–59 ans"),
    ("60_plus", "60 years and over", "60 ans et plus"),
    ("unknown", "Age unknown", "Âge inconnu"),
]

SOURCE_TYPES = [
    ("victim", "Victim or survivor (primary source)", "Victime ou survivant (source primaire)"),
    ("witness", "Eyewitness (primary source)", "Témoin oculaire (source primaire)"),
    ("family_member", "Family member of the victim", "Membre de la famille de la victime"),
    (
        "community_leader",
        "Community leader or key informant",
        "Leader communautaire ou informateur clé",
    ),
    (
        "service_provider",
        "Service provider (medical, legal, NGO)",
        "Prestataire de services (médical, juridique, ONG)",
    ),
    ("local_authority", "Local authority", "Autorité locale"),
    (
        "media",
        "Media report (press, radio, television)",
        "Médias (presse écrite, radio, télévision)",
    ),
    ("document", "Written document", "Document écrit"),
    (
        "direct_observation",
        "Direct observation by a monitor",
        "Observation directe par l'équipe de monitoring",
    ),
    ("other", "Other", "Autre"),
    ("unknown", "Unknown", "Inconnu"),
]

RELIABILITY_LEVELS = [
    ("01", "Highly reliable", "Très fiable"),
    ("02", "Likely reliable", "Probablement fiable"),
    ("03", "Unsure", "Fiabilité incertaine"),
    ("04", "Likely unreliable", "Probablement peu fiable"),
    ("05", "Highly unreliable", "Très peu fiable"),
    ("99", "Reliability unknown", "Fiabilité inconnue"),
]

DISPLACEMENT_STATUSES = [
    ("resident", "Resident (not displaced)", "Résident (non déplacé)"),
    ("idp", "Internally displaced person (IDP)", "Personne déplacée interne (PDI)"),
    ("refugee", "Refugee", "Réfugié"),
    ("returnee", "Returnee", "Retourné ou rapatrié"),
    ("stateless", "Stateless person", "Apatride"),
    ("foreign_national", "Foreign national", "Ressortissant étranger"),
    ("asylum_seeker", "Asylum seeker", "Demandeur d'asile"),
    ("not_applicable", "Not applicable", "Sans objet"),
]


def _flat(vocabulary, rows, standard):
    return [_term(vocabulary, code, None, en, fr, standard) for code, en, fr in rows]


TERMS = [
    *_category_terms(),
    *_flat(PERPETRATOR, PERPETRATORS, PERPETRATOR_STD),
    *_flat(AGE_GROUP, AGE_GROUPS, AGE_STD),
    *_flat(SOURCE_TYPE, SOURCE_TYPES, SOURCE_STD),
    *_flat(RELIABILITY, RELIABILITY_LEVELS, RELIABILITY_STD),
    *_flat(DISPLACEMENT, DISPLACEMENT_STATUSES, GBVIMS),
]
