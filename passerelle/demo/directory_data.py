"""Texts of the demo directory (pure data, no Django): focal points, the objectives of the
Protection Cluster's 2013 strategy with the mission components relevant to each, and what each
actor does (the "points d'entrée" of the August 2013 joint protection mission report).

Every person named here is invented. Focal points who have a demo account carry its owner's
name (`names.STAFF_NAMES`); the others have no account. An account (focal point or deputy) is
always one of the focal point's own organisation: the co-lead who stands in for the cluster
coordinator is named in `deputy_name`. Dates of the 2013–2014 demo are written out.
"""

from __future__ import annotations

import datetime as dt

D = dt.date


# One dict per focal point. Keys: org, theme (ThematicArea code), user (username or None),
# name (None: the user's), title, place (duty station P-code), areas (P-codes; empty: the whole
# country), deputy (username), deputy_name, since, until, note.
# fmt: off
FOCAL_POINTS = [
    {
        "org": "MINUSMA-CPA", "theme": "child_protection", "user": "cpa.focal_point",
        "title": "Conseillère principale à la protection de l'enfance", "place": "ML0901",
        "deputy": "cpa.verifier", "since": D(2013, 8, 1),
    },
    {
        "org": "MINUSMA-CPA", "theme": "child_protection", "name": "Patrick Owusu",
        "title": "Conseiller à la protection de l'enfance (intérim)", "place": "ML0901",
        "since": D(2013, 7, 1), "until": D(2013, 7, 31),
        "note": "Intérim jusqu'à l'arrivée de la conseillère principale.",
    },
    {
        "org": "MINUSMA-CPA", "theme": "child_protection", "name": "Oumar Dicko",
        "title": "Conseiller à la protection de l'enfance, bureau de terrain", "place": "ML0703",
        "areas": ["ML07", "ML08", "ML10"], "since": D(2013, 10, 15),
        "note": "Couvre Kidal et Ménaka depuis Gao ; missions selon l'accès.",
    },
    {
        "org": "MINUSMA-WPA", "theme": "gbv", "user": "wpa.focal_point",
        "title": "Conseillère principale à la protection des femmes (MARA)", "place": "ML0901",
        "deputy": "wpa.verifier", "since": D(2013, 9, 1),
    },
    {
        "org": "MINUSMA-HRD", "theme": "human_rights", "user": "hrd.verifier",
        "title": "Chargé des droits de l'homme, point focal du Cluster Protection",
        "place": "ML0901", "deputy": "hrd.admin", "since": D(2013, 7, 15),
    },
    {
        "org": "MINUSMA-HRD", "theme": "human_rights", "name": "Aïcha Barry",
        "title": "Chargée des droits de l'homme, bureau de Mopti", "place": "ML0506",
        "areas": ["ML05"], "since": D(2013, 9, 1),
    },
    {
        "org": "MINUSMA-HRD", "theme": "human_rights", "name": "Ousmane Kanta",
        "title": "Chargé des droits de l'homme, bureau de Tombouctou", "place": "ML0605",
        "areas": ["ML06"], "since": D(2013, 10, 1),
    },
    {
        "org": "MINUSMA-HRD", "theme": "human_rights", "name": "Nathalie Girardin",
        "title": "Chargée des droits de l'homme, bureau de Gao", "place": "ML0703",
        "areas": ["ML07", "ML10"], "since": D(2013, 9, 16),
    },
    {
        "org": "MINUSMA-POC", "theme": "poc", "user": "poc.focal_point",
        "title": "Conseiller principal à la protection des civils", "place": "ML0901",
        "since": D(2013, 9, 15),
    },
    {
        "org": "MINUSMA-POC", "theme": "poc", "name": "Lena Hoffmann",
        "title": "Conseillère à la protection des civils a.i.", "place": "ML0901",
        "since": D(2013, 7, 1), "until": D(2013, 9, 14),
        "note": "Déploiement temporaire pendant la phase de démarrage de la mission.",
    },
    {
        "org": "MINUSMA-CAD", "theme": "durable_solutions", "name": "Adama Koné",
        "title": "Chargé des affaires civiles, cohésion sociale et retour", "place": "ML0901",
        "since": D(2013, 10, 1),
    },
    {
        "org": "MINUSMA-UNPOL", "theme": "justice", "name": "Didier Mbarga",
        "title": "Officier de liaison UNPOL, police judiciaire et accueil des victimes",
        "place": "ML0901", "since": D(2013, 11, 4),
    },
    {
        "org": "MINUSMA-JOC", "theme": "mine_action", "name": "Lars Eriksen",
        "title": "Officier de liaison du JOC (neutralisation des explosifs), liaison UNMAS",
        "place": "ML0901", "since": D(2013, 10, 7),
    },
    {
        "org": "UNHCR", "theme": "poc", "user": "unhcr.focal_point",
        "title": "Coordinatrice du Cluster Protection", "place": "ML0901",
        "deputy_name": "Ramata Dolo (DRC, co-lead ONGI)", "since": D(2013, 9, 1),
        "note": "Point d'entrée unique du Cluster pour les demandes d'information de la MINUSMA.",
    },
    {
        "org": "UNHCR", "theme": "poc", "name": "Caroline Mwangi",
        "title": "Coordinatrice du Cluster Protection (sortante)", "place": "ML0901",
        "since": D(2013, 1, 15), "until": D(2013, 8, 31),
        "note": "Fin de mission fin août 2013 ; remplacée par la coordinatrice actuelle.",
    },
    {
        "org": "UNHCR", "theme": "durable_solutions", "user": "unhcr.focal_point",
        "title": "Coordinatrice du Cluster Protection, solutions durables et retours",
        "place": "ML0901", "deputy_name": "Ramata Dolo (DRC, co-lead ONGI)", "since": D(2013, 9, 1),
    },
    {
        "org": "UNHCR", "theme": "hlp", "user": "unhcr.focal_point",
        "title": "Coordinatrice du Cluster Protection, sous-groupe LTP", "place": "ML0901",
        "since": D(2013, 9, 1),
    },
    {
        "org": "UNHCR", "theme": "hlp", "name": "Agnès Lefebvre",
        "title": "Spécialiste logement, terre et propriété", "place": "ML0506",
        "areas": ["ML05", "ML06"], "since": D(2013, 11, 1),
    },
    {
        "org": "DRC", "theme": "poc", "user": "drc.focal_point",
        "title": "Co-coordinatrice ONGI du Cluster Protection", "place": "ML0901",
        "deputy": "drc.admin", "since": D(2013, 8, 15),
    },
    {
        "org": "DRC", "theme": "poc", "name": "Hamadoun Kassogué",
        "title": "Coordinateur protection, co-facilitateur du sous-cluster de Mopti",
        "place": "ML0506", "areas": ["ML05"], "since": D(2013, 6, 1),
    },
    {
        "org": "UNICEF", "theme": "child_protection", "user": "unicef.focal_point",
        "title": "Coordinateur du sous-cluster Protection de l'enfance", "place": "ML0901",
        "deputy_name": "Bintou Diallo", "since": D(2013, 3, 1),
    },
    {
        "org": "UNICEF", "theme": "child_protection", "name": "Awa Bocoum",
        "title": "Spécialiste protection de l'enfance, bureau de Mopti", "place": "ML0506",
        "areas": ["ML0506", "ML0504", "ML0501"], "since": D(2013, 4, 1),
    },
    {
        "org": "UNFPA", "theme": "gbv", "user": "unfpa.focal_point",
        "title": "Coordinatrice du sous-cluster VBG", "place": "ML0901", "deputy": "unfpa.admin",
        "since": D(2013, 2, 1),
    },
    {
        "org": "UNMAS", "theme": "mine_action", "name": "Rune Haugland",
        "title": "Coordinateur des programmes d'action antimines", "place": "ML0901",
        "since": D(2013, 3, 1),
    },
    {
        "org": "UNMAS", "theme": "mine_action", "name": "Alassane Touré",
        "title": "Assistant action antimines, bureau de Gao", "place": "ML0703",
        "areas": ["ML07", "ML06"], "since": D(2013, 9, 1),
    },
    {
        "org": "OHCHR", "theme": "human_rights", "name": "Sylvie Ranaivo",
        "title": "Chargée des droits de l'homme, facilitatrice du GTDH", "place": "ML0901",
        "since": D(2013, 10, 1),
    },
    {
        "org": "OCHA", "theme": "poc", "name": "Thibault Leroux",
        "title": "Chargé de la coordination civilo-militaire (CMCoord)", "place": "ML0901",
        "since": D(2013, 7, 1),
    },
    {
        "org": "MDS", "theme": "child_protection", "name": "Kadidia Sanogo",
        "title": "Point focal protection de l'enfance, Direction nationale du développement social",
        "place": "ML0901", "since": D(2013, 1, 1),
    },
    {
        "org": "ADDF", "theme": "gbv", "name": "Oumou Togo",
        "title": "Coordinatrice du programme VBG, Mopti", "place": "ML0506", "areas": ["ML05"],
        "since": D(2013, 5, 1),
    },
    {
        "org": "RSPE", "theme": "child_protection", "name": "Alhousseini Haïdara",
        "title": "Responsable protection de l'enfance, Gao", "place": "ML0703",
        "areas": ["ML0703", "ML0702"], "since": D(2013, 4, 1),
    },
    {
        "org": "AEAT", "theme": "poc", "name": "Fadimata Walet Ahmed",
        "title": "Animatrice du suivi de protection, Kidal", "place": "ML0802", "areas": ["ML08"],
        "since": D(2013, 10, 1),
        "note": "Joignable par téléphone satellitaire les jours de coupure du réseau.",
    },
    {
        "org": "AFPCS", "theme": "justice", "name": "Yacouba Sagara",
        "title": "Juriste, clinique juridique mobile", "place": "ML0506",
        "areas": ["ML0501", "ML0502"], "since": D(2013, 6, 1),
    },
    {
        "org": "IOM", "theme": "durable_solutions", "name": "Daniela Rossi",
        "title": "Chargée du suivi des mouvements de population (CMP)", "place": "ML0901",
        "since": D(2013, 2, 1),
    },
    {
        "org": "Oxfam", "theme": "poc", "name": "Grace Atieno",
        "title": "Responsable protection, Gao et Tombouctou", "place": "ML0703",
        "areas": ["ML07", "ML06"], "since": D(2013, 8, 1),
    },
]
# fmt: on

# --------------------------------------------------------------------------- objectives

# code, order, titles, descriptions, thematic areas, components (acronym, relevance, activities
# in French, the working language), notes (kind, text, resolved, added_on).
# fmt: off
OBJECTIVES = [
    {
        "code": "OS1",
        "title_fr": "Prévenir les violations graves contre les enfants et y répondre",
        "title_en": "Prevent and respond to grave violations against children",
        "description_fr": (
            "Documenter les six violations graves, obtenir la libération des enfants associés aux "
            "forces et groupes armés et assurer leur prise en charge par les services de "
            "protection de l'enfance."
        ),
        "description_en": (
            "Document the six grave violations, secure the release of children associated with "
            "armed forces and groups and ensure child protection services take care of them."
        ),
        "themes": ["child_protection"],
        "components": [
            ("MINUSMA-CPA",
             "direct",
             "Les conseillers à la protection de l'enfance documentent les violations graves "
             "(MRM) avec l'équipe spéciale pays et plaident auprès des parties pour la "
             "libération des enfants associés aux groupes armés."),
            ("MINUSMA-HRD",
             "indirect",
             "La Division des droits de l'homme partage avec les conseillers les cas d'enfants "
             "relevés lors de ses missions de suivi et d'enquête."),
            ("MINUSMA-JOC",
             "indirect",
             "La Force applique le protocole de remise aux autorités civiles des enfants trouvés "
             "lors des opérations militaires."),
        ],
        "notes": [
            ("question",
             "Quel délai la Force s'engage-t-elle à respecter pour remettre aux services sociaux "
             "les enfants capturés lors d'opérations ?",
             False, D(2013, 9, 20)),
            ("question",
             "Les conseillers à la protection de l'enfance seront-ils déployés à Kidal ?",
             False, D(2013, 10, 10)),
            ("question",
             "Qui préside l'équipe spéciale MRM pays et qui y représente le Cluster ?",
             True, D(2013, 9, 12)),
            ("concern",
             "Les délais de vérification du MRM ne doivent pas retarder la prise en charge des "
             "enfants identifiés.",
             False, D(2013, 9, 12)),
        ],
    },
    {
        "code": "OS2",
        "title_fr": (
            "Prévenir les VBG et les violences sexuelles liées aux conflits et garantir l'accès "
            "des survivantes aux services"
        ),
        "title_en": (
            "Prevent GBV and conflict-related sexual violence and ensure survivors' access to "
            "services"
        ),
        "description_fr": (
            "Renforcer la prévention, la prise en charge médicale et psychosociale et l'accès à "
            "la justice des survivantes, dans le respect de la confidentialité."
        ),
        "description_en": (
            "Strengthen prevention, medical and psychosocial care and survivors' access to "
            "justice, respecting confidentiality."
        ),
        "themes": ["gbv"],
        "components": [
            ("MINUSMA-WPA",
             "direct",
             "Les conseillères à la protection des femmes mettent en place les arrangements de "
             "suivi, d'analyse et de communication de l'information (MARA) sur les violences "
             "sexuelles liées aux conflits."),
            ("MINUSMA-HRD",
             "direct",
             "La Division des droits de l'homme enquête sur les allégations de violences "
             "sexuelles et en rend compte."),
            ("MINUSMA-UNPOL",
             "indirect",
             "La police des Nations Unies forme les forces de sécurité maliennes à l'accueil des "
             "victimes dans les commissariats."),
            ("MINUSMA-JOC",
             "indirect",
             "Les patrouilles peuvent tenir compte des déplacements à risque des femmes (corvées "
             "de bois et d'eau) signalés par les communautés."),
        ],
        "notes": [
            ("question",
             "Comment les MARA s'articuleront-ils avec le GBVIMS et les règles de partage des "
             "prestataires de services ?",
             False, D(2013, 10, 17)),
            ("question",
             "Quand une conseillère à la protection des femmes sera-t-elle présente à Gao ?",
             False, D(2013, 11, 14)),
            ("question",
             "Les informations des MARA seront-elles dépersonnalisées avant d'être transmises à "
             "New York ?",
             True, D(2013, 10, 17)),
            ("concern",
             "Le recueil de témoignages par les MARA peut susciter des attentes de prise en "
             "charge là où aucun service n'existe, surtout dans le nord.",
             False, D(2013, 10, 17)),
            ("concern",
             "La confidentialité des survivantes doit être garantie : aucune identité dans les "
             "rapports de la mission.",
             False, D(2013, 10, 17)),
        ],
    },
    {
        "code": "OS3",
        "title_fr": (
            "Assurer le suivi de protection et l'analyse pour orienter la réponse et le plaidoyer"
        ),
        "title_en": "Protection monitoring and analysis to inform response and advocacy",
        "description_fr": (
            "Un suivi de protection commun, une analyse partagée des menaces et des "
            "vulnérabilités, et des demandes d'information rationalisées entre le Cluster et la "
            "mission."
        ),
        "description_en": (
            "Common protection monitoring, a shared analysis of threats and vulnerabilities, and "
            "streamlined requests for information between the cluster and the mission."
        ),
        "themes": ["poc", "human_rights"],
        "components": [
            ("MINUSMA-POC",
             "direct",
             "Le conseiller à la protection des civils conduit l'évaluation des risques PoC de "
             "la mission et prépare sa stratégie PoC en consultant le Cluster."),
            ("MINUSMA-HRD",
             "direct",
             "La Division des droits de l'homme assure le suivi des violations et partage ses "
             "analyses de tendances."),
            ("MINUSMA-PAD",
             "indirect",
             "Les affaires politiques partagent l'analyse du contexte et des négociations avec "
             "les groupes armés."),
            ("MINUSMA-JOC",
             "indirect",
             "Le Centre d'opérations conjoint signale les menaces imminentes contre les civils."),
        ],
        "notes": [
            ("question",
             "La mission acceptera-t-elle une évaluation conjointe des risques de protection, "
             "fondée sur l'analyse du Cluster ?",
             False, D(2013, 9, 12)),
            ("question",
             "Qui sera le conseiller du commandant de la Force sur l'atténuation des risques, et "
             "comment le Cluster pourra-t-il le saisir ?",
             False, D(2013, 10, 10)),
            ("question",
             "Faut-il un point d'entrée unique pour les demandes d'information de la mission au "
             "Cluster ?",
             True, D(2013, 7, 18)),
            ("concern",
             "Les informations partagées ne doivent pas servir au renseignement ni au ciblage "
             "militaire.",
             False, D(2013, 9, 12)),
            ("concern",
             "Le recours à des escortes militaires pour les missions de suivi brouille la "
             "distinction entre acteurs humanitaires et mission.",
             False, D(2013, 10, 10)),
        ],
    },
    {
        "code": "OS4",
        "title_fr": (
            "Favoriser des solutions durables pour les personnes déplacées et les rapatriés, y "
            "compris le logement, la terre et la propriété et la documentation"
        ),
        "title_en": (
            "Durable solutions for IDPs and returnees, including housing, land and property and "
            "documentation"
        ),
        "description_fr": (
            "Un retour volontaire, dans la sécurité et la dignité, soutenu par une approche par "
            "zone fondée sur les besoins plutôt que sur le statut ; restitution des biens et "
            "accès à l'état civil."
        ),
        "description_en": (
            "Voluntary return in safety and dignity, supported by an area-based approach grounded "
            "in needs rather than status; restitution of property and access to civil "
            "registration."
        ),
        "themes": ["durable_solutions", "hlp"],
        "components": [
            ("MINUSMA-CAD",
             "direct",
             "Les affaires civiles appuient la cohésion sociale et le rétablissement de "
             "l'administration dans les zones de retour."),
            ("MINUSMA-UNPOL",
             "indirect",
             "La police des Nations Unies appuie le redéploiement de la police et de la "
             "gendarmerie dans le nord."),
            ("MINUSMA-HRD",
             "indirect",
             "La Division des droits de l'homme suit les violations liées au retour (occupation "
             "de biens, représailles)."),
            ("MINUSMA-PAD",
             "indirect",
             "Les affaires politiques suivent les questions foncières dans les négociations."),
        ],
        "notes": [
            ("question",
             "Comment la mission contribuera-t-elle à un environnement sûr pour le retour sans "
             "encourager des retours prématurés ?",
             False, D(2013, 11, 14)),
            ("question",
             "Quels critères la mission utilisera-t-elle pour choisir les zones de ses projets à "
             "impact rapide ?",
             False, D(2013, 12, 12)),
            ("question",
             "L'EHP et le Cluster restent-ils les fora principaux pour la planification des "
             "retours ?",
             True, D(2013, 9, 12)),
            ("concern",
             "Le retour ne doit pas être présenté comme un indicateur de stabilisation.",
             False, D(2013, 11, 14)),
        ],
    },
    {
        "code": "OS5", "title_fr": "Réduire la menace des mines et des restes explosifs de guerre",
        "title_en": "Reduce the threat of mines and explosive remnants of war",
        "description_fr": (
            "Enquêtes, marquage et dépollution des zones contaminées, éducation aux risques dans "
            "les communautés et assistance aux victimes."
        ),
        "description_en": (
            "Surveys, marking and clearance of contaminated areas, risk education in communities "
            "and victim assistance."
        ),
        "themes": ["mine_action"],
        "components": [
            ("UNMAS",
             "direct",
             "L'UNMAS coordonne l'action antimines, conduit les enquêtes et l'éducation aux "
             "risques et tient la base de données des zones dangereuses."),
            ("MINUSMA-JOC",
             "direct",
             "Les équipes de neutralisation des explosifs de la Force détruisent les engins "
             "signalés sur les axes et près des camps."),
            ("MINUSMA-CAD",
             "indirect",
             "Les affaires civiles relaient les messages de prévention auprès des autorités "
             "locales."),
        ],
        "notes": [
            ("question",
             "Les données de contamination de la Force seront-elles partagées avec les acteurs "
             "humanitaires ?",
             False, D(2013, 10, 10)),
            ("question",
             "Qui assure l'assistance aux victimes d'engins explosifs hors de Gao ?",
             False, D(2014, 1, 16)),
            ("question",
             "Le JOC a-t-il un officier de liaison désigné pour l'UNMAS ?",
             True, D(2013, 10, 10)),
            ("concern",
             "Les priorités de dépollution fixées par les besoins militaires peuvent négliger "
             "les champs, les puits et les écoles.",
             False, D(2013, 12, 12)),
        ],
    },
    {
        "code": "OS6",
        "title_fr": "Garantir l'accès à la justice et à l'assistance juridique des victimes",
        "title_en": "Access to justice and legal aid for victims",
        "description_fr": (
            "Assistance juridique, accompagnement des victimes et des témoins, lutte contre "
            "l'impunité des violations du droit international humanitaire et des droits de "
            "l'homme."
        ),
        "description_en": (
            "Legal aid, support to victims and witnesses, fighting impunity for violations of "
            "international humanitarian and human rights law."
        ),
        "themes": ["justice", "human_rights"],
        "components": [
            ("MINUSMA-HRD",
             "direct",
             "La Division des droits de l'homme documente les violations et appuie les "
             "poursuites par le plaidoyer auprès des autorités judiciaires."),
            ("MINUSMA-UNPOL",
             "direct",
             "La police des Nations Unies appuie la police judiciaire malienne dans les enquêtes."),
            ("MINUSMA-CAD",
             "indirect",
             "Les affaires civiles appuient les mécanismes traditionnels de règlement des "
             "conflits."),
        ],
        "notes": [
            ("question",
             "Quelles mesures de protection des victimes et témoins la mission pourra-t-elle "
             "offrir lors des procédures ?",
             False, D(2013, 11, 5)),
            ("question",
             "Le groupe de travail sur les droits de l'homme recevra-t-il les suites judiciaires "
             "des cas signalés ?",
             False, D(2014, 1, 21)),
            ("question",
             "La politique de diligence voulue en matière de droits de l'homme (HRDDP) "
             "s'applique-t-elle aux formations des forces maliennes ?",
             True, D(2013, 11, 5)),
            ("concern",
             "Orienter vers la justice des victimes identifiées par le suivi peut les exposer à "
             "des représailles.",
             False, D(2013, 11, 5)),
        ],
    },
]
# fmt: on

# --------------------------------------------------------------------------- actor profiles

# acronym: (role_fr, role_en, thematic areas, areas where it works (P-codes), contact)
# fmt: off
PROFILES = {
    "UNHCR": ("Agence cheffe de file du Cluster Protection. Protection des réfugiés et des "
              "personnes déplacées, retours, documentation, logement, terre et propriété.",
              "Protection Cluster lead agency. Protection of refugees and IDPs, returns, "
              "documentation, housing, land and property.",
              ["poc", "durable_solutions", "hlp"], ["ML09", "ML05", "ML06", "ML07"]),
    "DRC": ("Co-lead ONGI du Cluster Protection. Suivi de protection, prise en charge des cas, "
            "VBG, cohésion sociale.",
            "INGO co-lead of the Protection Cluster. Protection monitoring, case management, "
            "GBV, social cohesion.",
            ["poc", "gbv", "hlp"], ["ML09", "ML05", "ML06", "ML07"]),
    "Oxfam": ("Suivi de protection communautaire et plaidoyer, en lien avec l'eau et la sécurité "
              "alimentaire.",
              "Community-based protection monitoring and advocacy, linked with water and food "
              "security.",
              ["poc", "gbv"], ["ML05", "ML06", "ML07", "ML10"]),
    "OCHA": ("Coordination humanitaire, accès, coordination civilo-militaire et secrétariat de "
             "l'Équipe humanitaire pays.",
             "Humanitarian coordination, access, civil-military coordination and secretariat of "
             "the Humanitarian Country Team.",
             ["poc"], []),
    "OHCHR": ("Droits de l'homme : facilite le groupe de travail sur les droits de l'homme du "
              "Cluster, formations en droit international humanitaire et des droits de l'homme.",
              "Human rights: facilitates the cluster's human rights working group, training in "
              "international humanitarian and human rights law.",
              ["human_rights", "justice"], []),
    "UNICEF": ("Chef de file du sous-cluster Protection de l'enfance ; co-préside l'équipe "
               "spéciale MRM ; prise en charge des enfants séparés et des enfants sortis des "
               "groupes armés.",
               "Lead of the child protection sub-cluster; co-chairs the MRM task force; care for "
               "separated children and children released from armed groups.",
               ["child_protection", "mine_action"], ["ML09", "ML05", "ML06", "ML07", "ML08"]),
    "UNFPA": ("Chef de file du sous-cluster VBG ; kits post-viol, prise en charge médicale et "
              "psychosociale des survivantes, GBVIMS.",
              "Lead of the GBV sub-cluster; post-rape kits, medical and psychosocial care for "
              "survivors, GBVIMS.",
              ["gbv"], ["ML09", "ML05", "ML06", "ML07"]),
    "IOM": ("Suivi des mouvements de population (Commission Mouvement de Populations), "
            "assistance au retour.",
            "Tracking of population movements (Commission Mouvement de Populations), return "
            "assistance.",
            ["durable_solutions"], ["ML09", "ML05", "ML06", "ML07"]),
    "UNMAS": ("Coordination de l'action antimines : enquêtes, dépollution, éducation aux "
              "risques, assistance aux victimes.",
              "Mine action coordination: surveys, clearance, risk education, victim assistance.",
              ["mine_action"], ["ML05", "ML06", "ML07", "ML08"]),
    "MDS": ("Ministère du Développement social : services sociaux, protection de l'enfance, "
            "accueil des enfants remis par les forces armées.",
            "Ministry of Social Development: social services, child protection, reception of "
            "children handed over by the armed forces.",
            ["child_protection", "gbv"], []),
    "ADDF": ("ONG malienne : écoute et accompagnement des survivantes de VBG, sensibilisation "
             "communautaire.",
             "Malian NGO: listening and support to GBV survivors, community awareness.",
             ["gbv"], ["ML02", "ML04", "ML05", "ML07", "ML09"]),
    "RSPE": ("Réseau d'ONG maliennes : protection de l'enfance, espaces amis des enfants, "
             "réunification familiale.",
             "Network of Malian NGOs: child protection, child-friendly spaces, family "
             "reunification.",
             ["child_protection"], ["ML06", "ML07", "ML10"]),
    "AEAT": ("ONG malienne : suivi de protection et éducation aux risques des mines dans les "
             "régions de Kidal, Tombouctou et Gao.",
             "Malian NGO: protection monitoring and mine-risk education in Kidal, Tombouctou and "
             "Gao.",
             ["poc", "mine_action"], ["ML06", "ML07", "ML08", "ML10"]),
    "AFPCS": ("ONG malienne : cohésion sociale, médiation et clinique juridique mobile dans les "
              "cercles de Bandiagara et Bankass.",
              "Malian NGO: social cohesion, mediation and a mobile legal clinic in Bandiagara "
              "and Bankass.",
              ["justice", "poc"], ["ML04", "ML05"]),
    "MINUSMA-HRD": ("Division des droits de l'homme de la MINUSMA : suivi, enquêtes et rapports "
                    "sur les violations ; politique de diligence voulue.",
                    "MINUSMA Human Rights Division: monitoring, investigation and reporting of "
                    "violations; due diligence policy.",
                    ["human_rights", "justice"], ["ML09", "ML05", "ML06", "ML07"]),
    "MINUSMA-CPA": ("Conseillers à la protection de l'enfance : MRM, plaidoyer auprès des "
                    "parties, formation des militaires.",
                    "Child protection advisers: MRM, advocacy with the parties, training of the "
                    "military.",
                    ["child_protection"], ["ML09", "ML07", "ML08", "ML10"]),
    "MINUSMA-WPA": ("Conseillères à la protection des femmes : arrangements de suivi, d'analyse "
                    "et de communication de l'information (MARA) sur les violences sexuelles "
                    "liées aux conflits.",
                    "Women protection advisers: monitoring, analysis and reporting arrangements "
                    "(MARA) on conflict-related sexual violence.",
                    ["gbv"], ["ML09"]),
    "MINUSMA-POC": ("Conseiller à la protection des civils : évaluation des risques, stratégie "
                    "PoC de la mission, exercices de scénarios.",
                    "Protection of civilians adviser: risk assessment, the mission's PoC "
                    "strategy, scenario-based exercises.",
                    ["poc"], []),
}
# fmt: on
