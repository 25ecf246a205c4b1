"""What the mission asks the cluster, and the cluster the mission, in the demo register (pure
data). Each need is asked again and again, by several components, worded differently: the
burden the 2013 joint mission described ("multiple requests from the Mission for the same
information")."""

# key: thematic area, data category, level, purpose, kind, addressee, areas asked about,
# askers (demo usernames), wordings (language, subject, body), answer (French, English).
NEEDS = [
    {
        "key": "gbv_figures",
        "theme": "gbv",
        "category": "gbv",
        "level": 1,
        "purpose": "analysis",
        "kind": "information",
        "addressee": "UNFPA",
        "areas": ["ML07", "ML06", "ML05"],
        "askers": ["wpa.focal_point", "wpa.monitor", "hrd.verifier", "poc.focal_point"],
        "wordings": [
            (
                "fr",
                "Chiffres VBG du mois pour la région de {area}",
                "Merci de nous transmettre le nombre d'incidents de VBG rapportés dans la région "
                "de {area} sur la période, ventilés par type et par sexe, pour notre rapport.",
            ),
            (
                "en",
                "GBV incident figures, {area} region",
                "Could you share the number of reported GBV incidents in {area} for the period, "
                "disaggregated by type and sex? We need them for our monthly reporting.",
            ),
            (
                "fr",
                "Statistiques des violences basées sur le genre – {area}",
                "Pour l'analyse mensuelle de la mission, nous aurions besoin des statistiques "
                "des cas de violences basées sur le genre dans la région de {area}.",
            ),
            (
                "en",
                "Number of gender-based violence cases reported in {area}",
                "For the mission's analysis, please provide statistics on gender-based violence "
                "cases reported in {area} (by type of violence and sex of survivors).",
            ),
        ],
        "answer": (
            "Chiffres agrégés du GBVIMS pour la période (les effectifs inférieurs à 5 sont "
            "supprimés) : voir le tableau statistique en lien. Les tendances restent "
            "sous-estimées faute d'accès aux services.",
            "Aggregated GBVIMS figures for the period (cells under 5 suppressed): see the "
            "linked statistics table. Trends remain under-reported given limited access to "
            "services.",
        ),
    },
    {
        "key": "mrm_figures",
        "theme": "child_protection",
        "category": "mrm",
        "level": 1,
        "purpose": "analysis",
        "kind": "information",
        "addressee": "UNICEF",
        "areas": ["ML07", "ML06", "ML08"],
        "askers": ["cpa.focal_point", "cpa.monitor", "hrd.verifier", "poc.focal_point"],
        "wordings": [
            (
                "fr",
                "Violations graves contre les enfants – chiffres {area}",
                "Nous préparons la note trimestrielle : pourriez-vous partager le nombre de "
                "violations graves contre les enfants documentées dans la région de {area} ?",
            ),
            (
                "en",
                "Grave violations against children in {area}: figures",
                "Please share the number of grave violations against children documented in "
                "{area} for the period, by type of violation (killing and maiming, recruitment, "
                "abduction...).",
            ),
            (
                "fr",
                "Données MRM pour {area}",
                "Merci de communiquer les données MRM (nombre de cas par violation) pour la "
                "région de {area}, pour le rapport au Conseil de sécurité.",
            ),
            (
                "en",
                "MRM data for the {area} region",
                "Requesting MRM statistics (cases per grave violation) for {area} to feed the "
                "Security Council reporting.",
            ),
        ],
        "answer": (
            "Données agrégées du MRM (non vérifiées pour une partie) : voir le lien. Les "
            "recrutements d'enfants restent la violation la plus rapportée.",
            "Aggregated MRM data (partly unverified): see the link. Recruitment of children "
            "remains the most reported violation.",
        ),
    },
    {
        "key": "pm_trends",
        "theme": "poc",
        "category": "pm",
        "level": 1,
        "purpose": "analysis",
        "kind": "information",
        "addressee": "UNHCR",
        "areas": ["ML05", "ML07", "ML06"],
        "askers": ["poc.focal_point", "hrd.verifier", "cpa.focal_point", "wpa.focal_point"],
        "wordings": [
            (
                "fr",
                "Tendances du monitoring de protection – {area}",
                "Pour l'évaluation des menaces de la mission, merci de partager l'analyse des "
                "tendances du monitoring de protection dans la région de {area}.",
            ),
            (
                "en",
                "Protection monitoring trends in {area}",
                "For the mission's threat assessment, could the cluster share its analysis of "
                "protection monitoring trends in {area} for the period?",
            ),
            (
                "fr",
                "Analyse de protection, région de {area}",
                "Nous aurions besoin d'un aperçu de la situation de protection (incidents "
                "rapportés par le monitoring, principales menaces) dans la région de {area}.",
            ),
            (
                "en",
                "Overview of the protection situation, {area}",
                "Please provide an overview of protection incidents reported through monitoring "
                "and the main threats to civilians in {area}.",
            ),
        ],
        "answer": (
            "Bulletin de monitoring de protection du mois et tableau des incidents par "
            "cercle (lien). Principales menaces : extorsions aux postes de contrôle, "
            "tensions intercommunautaires, engins explosifs.",
            "This month's protection monitoring bulletin and the table of incidents by "
            "cercle (link). Main threats: extortion at checkpoints, intercommunal tensions, "
            "explosive devices.",
        ),
    },
    {
        "key": "gbv_services",
        "theme": "gbv",
        "category": "",
        "level": 0,
        "purpose": "response",
        "kind": "information",
        "addressee": "UNFPA",
        "areas": ["ML07", "ML06"],
        "askers": ["wpa.focal_point", "hrd.monitor", "poc.focal_point"],
        "wordings": [
            (
                "fr",
                "Liste des services de prise en charge VBG à {area}",
                "Nos équipes ont besoin de la liste des prestataires de services pour les "
                "survivantes de VBG (médical, psychosocial, juridique) dans la région de {area}.",
            ),
            (
                "en",
                "GBV service providers in {area}",
                "Our officers need the list of service providers for GBV survivors (medical, "
                "psychosocial, legal) in {area}, to refer the survivors they meet.",
            ),
            (
                "fr",
                "Circuit de référencement VBG – {area}",
                "Pourriez-vous nous transmettre le circuit de référencement pour les survivantes "
                "de violences sexuelles dans la région de {area} ?",
            ),
        ],
        "answer": (
            "La cartographie des services et le circuit de référencement sont dans "
            "Passerelle (Services, Circuits de référencement) ; la fiche imprimable est à "
            "jour.",
            "The service mapping and the referral pathway are in Passerelle (Services, "
            "Referral pathways); the printable sheet is up to date.",
        ),
    },
    {
        "key": "displacement",
        "theme": "durable_solutions",
        "category": "pm",
        "level": 1,
        "purpose": "coordination",
        "kind": "information",
        "addressee": "UNHCR",
        "areas": ["ML06", "ML07", "ML05"],
        "askers": ["poc.focal_point", "hrd.verifier", "cpa.focal_point"],
        "wordings": [
            (
                "fr",
                "Chiffres des déplacés et des retours – {area}",
                "Merci de partager les derniers chiffres des personnes déplacées internes et des "
                "retours dans la région de {area}, par cercle.",
            ),
            (
                "en",
                "IDP and returnee figures for {area}",
                "Please share the latest figures of internally displaced people and returnees in "
                "{area}, by cercle if possible.",
            ),
            (
                "fr",
                "Mouvements de population vers {area}",
                "Quelles sont les données les plus récentes sur les mouvements de retour des "
                "PDI et des réfugiés vers la région de {area} ?",
            ),
        ],
        "answer": (
            "Chiffres de la Commission Mouvements de Populations au dernier mois, par cercle "
            "(lien vers le tableau).",
            "Latest Commission on Population Movements figures, by cercle (link to the table).",
        ),
    },
    {
        "key": "schools",
        "theme": "child_protection",
        "category": "mrm",
        "level": 1,
        "purpose": "advocacy",
        "kind": "information",
        "addressee": "UNICEF",
        "areas": ["ML07", "ML06"],
        "askers": ["cpa.focal_point", "poc.focal_point"],
        "wordings": [
            (
                "fr",
                "Écoles occupées par des forces ou groupes armés – {area}",
                "Pour notre plaidoyer, merci d'indiquer le nombre d'écoles occupées par des "
                "forces ou groupes armés dans la région de {area}.",
            ),
            (
                "en",
                "Schools occupied by armed forces or groups in {area}",
                "For advocacy with the parties, how many schools are occupied by armed forces or "
                "groups in {area}?",
            ),
        ],
        "answer": (
            "Nombre d'écoles occupées au dernier recensement de l'Éducation (agrégé par cercle).",
            "Number of occupied schools at the latest Education count (by cercle).",
        ),
    },
    {
        "key": "hr_incidents",
        "theme": "human_rights",
        "category": "hr",
        "level": 2,
        "purpose": "verification",
        "kind": "information",
        "addressee": "DRC",
        "areas": ["ML05", "ML07"],
        "askers": ["hrd.verifier", "hrd.monitor"],
        "wordings": [
            (
                "fr",
                "Incidents de violations des droits de l'homme à vérifier – {area}",
                "Dans le cadre du protocole, merci de partager les résumés dépersonnalisés des "
                "incidents de violations des droits de l'homme rapportés dans la région de "
                "{area}, pour vérification.",
            ),
            (
                "en",
                "De-identified human rights incidents in {area} for verification",
                "Under the protocol, please share de-identified summaries of human rights "
                "violations reported in {area}, so that the division can verify them.",
            ),
        ],
        "answer": (
            "Résumés partagés au niveau 2 sous le protocole (voir les incidents partagés).",
            "Summaries shared at level 2 under the protocol (see the shared incidents).",
        ),
    },
    {
        "key": "detention",
        "theme": "justice",
        "category": "hr",
        "level": 1,
        "purpose": "advocacy",
        "kind": "information",
        "addressee": "UNHCR",
        "areas": ["ML07", "ML05"],
        "askers": ["hrd.verifier", "poc.focal_point"],
        "wordings": [
            (
                "fr",
                "Arrestations et détentions arbitraires – {area}",
                "Pourriez-vous nous indiquer le nombre d'arrestations et de détentions "
                "arbitraires rapportées par le monitoring dans la région de {area} ?",
            ),
            (
                "en",
                "Arbitrary arrests and detention reported in {area}",
                "How many arbitrary arrests and detentions did protection monitoring report in "
                "{area} over the period?",
            ),
        ],
        "answer": (
            "Nombre d'arrestations rapportées (agrégé) : voir le lien ; la plupart "
            "concernent des hommes peuls et arabes après des opérations.",
            "Number of reported arrests (aggregated): see the link; most concern Peul and "
            "Arab men after operations.",
        ),
    },
    {
        "key": "crsv_mara",
        "theme": "gbv",
        "category": "crsv",
        "level": 1,
        "purpose": "analysis",
        "kind": "information",
        "addressee": "UNFPA",
        "areas": ["ML06", "ML07"],
        "askers": ["wpa.focal_point", "hrd.verifier"],
        "wordings": [
            (
                "fr",
                "Violences sexuelles liées au conflit – données MARA {area}",
                "Pour le rapport MARA, merci de partager le nombre de cas de violences sexuelles "
                "liées au conflit rapportés dans la région de {area}.",
            ),
            (
                "en",
                "Conflict-related sexual violence figures for MARA, {area}",
                "For the MARA report, please share the number of conflict-related sexual "
                "violence cases reported in {area}.",
            ),
        ],
        "answer": (
            "Nombre agrégé de cas de VSLC (effectifs < 5 supprimés) : voir le lien.",
            "Aggregated number of CRSV cases (cells < 5 suppressed): see the link.",
        ),
    },
    {
        "key": "erw",
        "theme": "mine_action",
        "category": "pm",
        "level": 1,
        "purpose": "response",
        "kind": "information",
        "addressee": "UNHCR",
        "areas": ["ML07", "ML06"],
        "askers": ["poc.focal_point", "cpa.focal_point"],
        "wordings": [
            (
                "fr",
                "Accidents par engins explosifs – {area}",
                "Merci de partager le nombre d'accidents par restes explosifs de guerre signalés "
                "dans la région de {area}, notamment ceux touchant des enfants.",
            ),
            (
                "en",
                "Explosive remnants of war accidents in {area}",
                "Please share the number of accidents caused by explosive remnants of war "
                "reported in {area}, especially those affecting children.",
            ),
        ],
        "answer": (
            "Accidents rapportés par le monitoring et l'UNMAS (agrégés) : voir le lien.",
            "Accidents reported by monitoring and UNMAS (aggregated): see the link.",
        ),
    },
    {
        "key": "vacate_school",
        "theme": "child_protection",
        "category": "mrm",
        "level": 0,
        "purpose": "advocacy",
        "kind": "action",
        "addressee": "MINUSMA-CPA",
        "areas": ["ML07"],
        "askers": ["unhcr.focal_point", "unicef.focal_point"],
        "wordings": [
            (
                "fr",
                "Plaidoyer pour la libération d'écoles occupées à {area}",
                "Le cluster demande à la mission de plaider auprès des FDS pour qu'elles "
                "libèrent les écoles qu'elles occupent dans la région de {area} avant la "
                "rentrée.",
            ),
            (
                "en",
                "Advocacy for armed forces to vacate schools in {area}",
                "The cluster asks the mission to advocate with the national forces to vacate "
                "the schools they occupy in {area} before the school year.",
            ),
        ],
        "answer": (
            "Démarche faite auprès du commandement de zone ; deux écoles libérées, une "
            "toujours occupée.",
            "Raised with the zone command; two schools vacated, one still occupied.",
        ),
    },
    {
        "key": "hro_deployment",
        "theme": "human_rights",
        "category": "",
        "level": 0,
        "purpose": "coordination",
        "kind": "information",
        "addressee": "MINUSMA-HRD",
        "areas": ["ML"],
        "askers": ["unhcr.focal_point", "drc.focal_point"],
        "wordings": [
            (
                "fr",
                "Déploiement des officiers des droits de l'homme dans le nord",
                "Le cluster souhaiterait connaître le plan de déploiement des officiers des "
                "droits de l'homme de la mission dans les régions du nord.",
            ),
            (
                "en",
                "Deployment of the mission's human rights officers in the north",
                "The cluster would like to know the mission's plan for deploying human rights "
                "officers to the northern regions.",
            ),
        ],
        "answer": (
            "Équipes déployées à Gao et Tombouctou ; Mopti et Kidal au prochain trimestre.",
            "Teams deployed in Gao and Tombouctou; Mopti and Kidal next quarter.",
        ),
    },
]

# Requests the policy refuses: the demo files them through the service, so the refusals are in
# the audit log. (asker, addressee, theme, category, level, purpose, area, subject, body)
REFUSED = [
    (
        "wpa.monitor",
        "UNFPA",
        "gbv",
        "gbv",
        3,
        "verification",
        "ML07",
        "Détails des cas de viol à Gao",
        "Merci de transmettre les détails des cas de viol pris en charge à Gao pour vérification.",
    ),
    (
        "poc.focal_point",
        "UNHCR",
        "poc",
        "pm",
        1,
        "analysis",
        "ML07",
        "Positions des groupes armés près des sites de déplacés",
        "Pour la planification, merci de partager les positions des groupes armés près des "
        "sites de déplacés de Gao.",
    ),
    (
        "hrd.verifier",
        "DRC",
        "human_rights",
        "hr",
        4,
        "verification",
        "ML05",
        "Names and phone numbers of witnesses, Mopti",
        "Please share the names and phone numbers of the witnesses of the incidents reported "
        "in Mopti.",
    ),
    (
        "cpa.monitor",
        "UNICEF",
        "child_protection",
        "mrm",
        2,
        "targeting",
        "ML08",
        "Localités de recrutement d'enfants à Kidal",
        "Merci d'indiquer les localités où des groupes armés recrutent des enfants à Kidal.",
    ),
]
