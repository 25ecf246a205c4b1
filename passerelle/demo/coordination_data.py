"""Texts of the demo coordination (pure data, no Django): bodies and who sits in them, the
engagement risk register, meetings with decisions and action points (Mali, July 2013 – March
2014), and the mapping of trainings (September 2013 – June 2014).

Dates are written out, except those that must be seen from the demo's real "today": an integer
is a number of days from `timezone.localdate()` (negative: in the past). That is how a recent
cluster meeting has action points due in the coming weeks, and how some risk reviews are due
while others are upcoming. Action points' due and done dates are days after their meeting.

In a body of the mission, every humanitarian organisation (UN agency, NGO) sits guided by an
engagement risk analysis of its own that is not closed (the rule of the coordination services).
"""

from __future__ import annotations

import datetime as dt

D = dt.date

BAMAKO, MOPTI, GAO, TOMBOUCTOU = "ML0901", "ML0506", "ML0703", "ML0605"

# --------------------------------------------------------------------------- bodies

# fmt: off
BODIES = [
    {
        "acronym": "CP-Mali", "name": "Cluster Protection Mali", "kind": "cluster",
        "place": "ML0901", "chair": "UNHCR", "co_chair": "DRC",
        "frequency": "Mensuelle, deuxième jeudi du mois",
        "terms": (
            "Coordonne la réponse de protection, tient la stratégie du Cluster et structure "
            "l'engagement avec la MINUSMA autour de ses objectifs."
        ),
    },
    {
        "acronym": "CP-Mopti", "name": "Sous-cluster Protection de Mopti", "kind": "cluster",
        "parent": "CP-Mali", "place": "ML0506", "chair": "UNHCR", "co_chair": "DRC",
        "frequency": "Mensuelle",
        "terms": "Mécanisme de terrain pour les régions de Mopti et de Ségou.",
    },
    {
        "acronym": "CP-Gao", "name": "Groupe de travail protection de Gao", "kind": "cluster",
        "parent": "CP-Mali", "place": "ML0703", "chair": "UNHCR", "co_chair": "Oxfam",
        "frequency": "Toutes les deux semaines (en cours de mise en place)",
        "terms": "Mécanisme de terrain émergent pour Gao, Ménaka et Kidal.",
    },
    {
        "acronym": "CP-Tombouctou", "name": "Groupe de travail protection de Tombouctou",
        "kind": "cluster", "parent": "CP-Mali", "place": "ML0605", "chair": "UNHCR",
        "co_chair": "AEAT", "frequency": "Mensuelle (en cours de mise en place)",
        "terms": "Mécanisme de terrain émergent pour la région de Tombouctou.",
    },
    {
        "acronym": "SC-PE", "name": "Sous-cluster Protection de l'enfance", "kind": "aor",
        "parent": "CP-Mali", "theme": "child_protection", "place": "ML0901", "chair": "UNICEF",
        "co_chair": "MDS", "frequency": "Mensuelle",
    },
    {
        "acronym": "SC-VBG", "name": "Sous-cluster Violences basées sur le genre", "kind": "aor",
        "parent": "CP-Mali", "theme": "gbv", "place": "ML0901", "chair": "UNFPA",
        "co_chair": "ADDF", "frequency": "Mensuelle",
    },
    {
        "acronym": "SC-AAM", "name": "Sous-cluster Action contre les mines", "kind": "aor",
        "parent": "CP-Mali", "theme": "mine_action", "place": "ML0901", "chair": "UNMAS",
        "frequency": "Mensuelle",
    },
    {
        "acronym": "SG-LTP", "name": "Sous-groupe Logement, terre et propriété", "kind": "aor",
        "parent": "CP-Mali", "theme": "hlp", "place": "ML0901", "chair": "UNHCR",
        "frequency": "Tous les deux mois",
    },
    {
        "acronym": "GTDH", "name": "Groupe de travail sur les droits de l'homme",
        "kind": "working_group", "parent": "CP-Mali", "theme": "human_rights", "place": "ML0901",
        "chair": "OHCHR", "frequency": "Mensuelle",
        "terms": (
            "Rétabli au sein du Cluster après la mission conjointe d'août 2013 : échange "
            "d'informations sur les violations du droit international humanitaire et des droits "
            "de l'homme, suivi de l'accès à la justice."
        ),
    },
    {
        "acronym": "CCP-MINUSMA", "name": "Cellule de coordination de la protection de la MINUSMA",
        "kind": "mission_coordination", "place": "ML0901", "chair": "MINUSMA-POC",
        "frequency": "Toutes les six semaines",
        "terms": (
            "Réunit les composantes de la mission concernées par la protection pour une analyse "
            "commune ; lien direct avec le RSSG. Le Cluster y est représenté par sa coordination "
            "(UNHCR) et OCHA ; le co-lead ONGI y siège comme observateur."
        ),
    },
    {
        "acronym": "FCS-Gao", "name": "Forum de cohésion sociale de Gao", "kind": "other",
        "place": "ML0703", "chair": "MINUSMA-CAD", "frequency": "Mensuelle",
        "terms": "Forum animé par les affaires civiles avec les autorités et la société civile.",
    },
    {
        "acronym": "EHP", "name": "Équipe humanitaire pays", "kind": "hct", "place": "ML0901",
        "chair": "OCHA", "frequency": "Toutes les deux semaines",
        "terms": "Présidée par le Coordonnateur humanitaire ; secrétariat assuré par OCHA.",
    },
]
# fmt: on

# body → its English name (the French one is in BODIES)
BODY_NAMES_EN = {
    "CP-Mali": "Mali Protection Cluster",
    "CP-Mopti": "Mopti Protection Sub-Cluster",
    "CP-Gao": "Gao Protection Working Group",
    "CP-Tombouctou": "Timbuktu Protection Working Group",
    "SC-PE": "Child Protection Sub-Cluster",
    "SC-VBG": "Gender-Based Violence Sub-Cluster",
    "SC-AAM": "Mine Action Sub-Cluster",
    "SG-LTP": "Housing, Land and Property Sub-Group",
    "GTDH": "Human Rights Working Group",
    "CCP-MINUSMA": "MINUSMA Protection Coordination Cell",
    "FCS-Gao": "Gao Social Cohesion Forum",
    "EHP": "Humanitarian Country Team",
}

M, OBS = "member", "observer"
PC_SINCE = D(2013, 1, 1)

# body → (organisation, status, since, risk key or None, note)
MEMBERSHIPS = {
    "CP-Mali": [
        *((a, M, PC_SINCE, None, "") for a in ("Oxfam", "OHCHR", "UNICEF", "UNFPA", "IOM")),
        *((a, M, PC_SINCE, None, "") for a in ("UNMAS", "ADDF", "RSPE", "AEAT", "AFPCS")),
        ("OCHA", OBS, PC_SINCE, None, ""),
        ("MDS", OBS, PC_SINCE, None, "Représentation du Gouvernement."),
        ("MINUSMA-HRD", OBS, D(2013, 9, 1), None, "Observateur ; ne reçoit pas les listes de cas."),
        ("MINUSMA-CPA", OBS, D(2013, 9, 1), None, "Observateur."),
        ("MINUSMA-WPA", OBS, D(2013, 9, 1), None, "Observateur."),
        ("MINUSMA-POC", OBS, D(2013, 10, 1), None, "Observateur."),
    ],
    "CP-Mopti": [
        *((a, M, D(2013, 3, 1), None, "") for a in ("UNICEF", "UNFPA", "Oxfam", "ADDF")),
        ("AFPCS", M, D(2013, 3, 1), None, ""),
        ("IOM", M, D(2013, 5, 1), None, ""),
        ("MDS", OBS, D(2013, 3, 1), None, "Direction régionale du développement social."),
        ("MINUSMA-HRD", OBS, D(2013, 10, 1), None, "Observateur."),
    ],
    "CP-Gao": [
        *((a, M, D(2013, 10, 1), None, "") for a in ("DRC", "UNICEF", "RSPE", "AEAT")),
        ("MINUSMA-HRD", OBS, D(2013, 11, 1), None, "Observateur."),
    ],
    "CP-Tombouctou": [
        *((a, M, D(2013, 11, 1), None, "") for a in ("DRC", "Oxfam", "UNICEF")),
    ],
    "SC-PE": [
        *((a, M, PC_SINCE, None, "") for a in ("DRC", "UNHCR", "RSPE", "AFPCS", "Oxfam")),
        ("MINUSMA-CPA", OBS, D(2013, 9, 1), None, "Observateur ; échange sur le MRM."),
    ],
    "SC-VBG": [
        *((a, M, PC_SINCE, None, "") for a in ("DRC", "UNHCR", "UNICEF", "Oxfam", "MDS")),
        ("MINUSMA-WPA", OBS, D(2013, 9, 15), None, "Observateur ; lien avec les MARA."),
    ],
    "SC-AAM": [
        *((a, M, D(2013, 3, 1), None, "") for a in ("UNICEF", "DRC", "AEAT")),
        ("MINUSMA-JOC", OBS, D(2013, 10, 7), None, "Liaison neutralisation des explosifs."),
    ],
    "SG-LTP": [
        *((a, M, D(2013, 6, 1), None, "") for a in ("DRC", "IOM", "AFPCS", "OHCHR")),
    ],
    "GTDH": [
        *((a, M, D(2013, 11, 5), None, "") for a in ("UNHCR", "DRC", "Oxfam", "UNICEF")),
        *((a, M, D(2013, 11, 5), None, "") for a in ("UNFPA", "ADDF", "AFPCS", "AEAT")),
        ("MINUSMA-HRD", M, D(2013, 11, 5), None, "Partage ses analyses de tendances."),
    ],
    "CCP-MINUSMA": [
        *((a, M, D(2013, 10, 22), None, "") for a in ("MINUSMA-HRD", "MINUSMA-CPA")),
        *((a, M, D(2013, 10, 22), None, "") for a in ("MINUSMA-WPA", "MINUSMA-CAD")),
        *((a, M, D(2013, 10, 22), None, "") for a in ("MINUSMA-PAD", "MINUSMA-UNPOL")),
        ("MINUSMA-JOC", M, D(2013, 10, 22), None, ""),
        (
            "UNHCR",
            M,
            D(2013, 10, 22),
            "unhcr-ccp",
            "La coordination du Cluster y porte les positions du Cluster, pas celles du HCR.",
        ),
        ("OCHA", M, D(2013, 10, 22), "ocha-ccp", "Lien avec l'Équipe humanitaire pays."),
        (
            "DRC",
            OBS,
            D(2013, 10, 22),
            "drc-perception",
            "Observateur : ne participe pas aux décisions ; ne partage aucune donnée de cas.",
        ),
    ],
    "FCS-Gao": [
        ("MDS", M, D(2014, 1, 15), None, "Direction régionale du développement social."),
        ("MINUSMA-UNPOL", M, D(2014, 1, 15), None, ""),
        ("RSPE", M, D(2014, 1, 15), "rspe-gao", "Représente le réseau protection de l'enfance."),
    ],
    "EHP": [
        *((a, M, PC_SINCE, None, "") for a in ("UNHCR", "UNICEF", "UNFPA", "IOM", "OHCHR")),
        *((a, M, PC_SINCE, None, "") for a in ("DRC", "Oxfam")),
    ],
}

# --------------------------------------------------------------------------- risks

# key: natural key (organisation, title) plus the rest; next_review: days from today or a date.
# fmt: off
RISKS = [
    {
        "key": "drc-perception", "org": "DRC",
        "title": "Perception d'association avec la mission (observateur à la CCP)",
        "description": (
            "Siéger, même comme observateur, dans la cellule de coordination de la protection de "
            "la MINUSMA peut faire percevoir DRC comme partie prenante d'une mission chargée de "
            "la stabilisation, par les communautés et les groupes armés du nord."
        ),
        "principle": "neutrality", "body": "CCP-MINUSMA", "likelihood": 3, "impact": 4,
        "mitigation": (
            "Statut d'observateur, sans participation aux décisions ; communication claire auprès "
            "des communautés et des autorités locales ; aucune visibilité conjointe ; revue à "
            "chaque changement du contexte sécuritaire."
        ),
        "owner": "drc.focal_point", "every": 60, "next_review": -18, "status": "accepted",
        "shared_with": ["UNHCR"],
    },
    {
        "key": "drc-intelligence", "org": "DRC",
        "title": "Informations partagées perçues ou utilisées comme du renseignement",
        "description": (
            "Des informations de protection données à la cellule pourraient être utilisées pour "
            "planifier des opérations, ou perçues comme telles."
        ),
        "principle": "independence", "body": "CCP-MINUSMA", "likelihood": 2, "impact": 5,
        "mitigation": (
            "Partage limité aux tendances agrégées sous le protocole PC-MINUSMA-2013-01 ; jamais "
            "de noms, de lieux précis ni de données de cas ; tout partage validé par la "
            "co-coordination du Cluster."
        ),
        "owner": "drc.focal_point", "every": 90, "next_review": 24, "status": "open",
        "shared_with": ["UNHCR"],
    },
    {
        "key": "drc-escorts", "org": "DRC",
        "title": "Escortes militaires pour les missions conjointes d'évaluation",
        "description": (
            "La cellule propose des missions conjointes d'évaluation avec escorte de la Force ; "
            "cela exposerait le personnel et les personnes rencontrées et brouillerait la "
            "distinction avec la mission."
        ),
        "principle": "humanity", "body": "CCP-MINUSMA", "likelihood": 3, "impact": 5,
        "mitigation": (
            "Pas d'escorte armée, sauf dernier recours selon les directives IASC ; missions "
            "séparées et partage des constats par le Cluster."
        ),
        "owner": "drc.admin", "every": 30, "next_review": -4, "status": "open",
        "shared_with": ["UNHCR"],
    },
    {
        "key": "unhcr-ccp", "org": "UNHCR",
        "title": "Positions du Cluster confondues avec celles de la mission",
        "description": (
            "Membre de la cellule, la coordination du Cluster pourrait être vue comme cautionnant "
            "l'agenda de stabilisation de la mission."
        ),
        "principle": "independence", "body": "CCP-MINUSMA", "likelihood": 2, "impact": 4,
        "mitigation": (
            "Positions du Cluster préparées et validées en réunion du Cluster ; compte rendu "
            "systématique aux membres ; le Cluster reste le forum principal des réponses."
        ),
        "owner": "unhcr.focal_point", "every": 90, "next_review": 41, "status": "accepted",
        "shared_with": [],
    },
    {
        "key": "unhcr-returns", "org": "UNHCR",
        "title": "Retours présentés comme signe de stabilisation",
        "description": (
            "Les projets de la mission dans les zones de retour pourraient orienter l'assistance "
            "selon le statut ou la zone plutôt que selon les besoins."
        ),
        "principle": "impartiality", "body": None, "likelihood": 3, "impact": 3,
        "mitigation": (
            "Approche par zone fondée sur les besoins ; position de l'EHP sur le retour rappelée "
            "dans chaque échange avec la mission."
        ),
        "owner": "unhcr.focal_point", "every": 90, "next_review": -47, "status": "open",
        "shared_with": [],
    },
    {
        "key": "ocha-ccp", "org": "OCHA", "title": "Espace humanitaire dans une mission intégrée",
        "description": (
            "La participation d'OCHA à la cellule peut laisser penser que la coordination "
            "humanitaire est subordonnée à la mission."
        ),
        "principle": "neutrality", "body": "CCP-MINUSMA", "likelihood": 2, "impact": 3,
        "mitigation": (
            "Participation au titre de la coordination civilo-militaire ; distinction rappelée "
            "dans les messages publics ; lignes directrices CMCoord diffusées à la Force."
        ),
        "owner": "ocha.im_officer", "every": 120, "next_review": 15, "status": "accepted",
        "shared_with": ["UNHCR"],
    },
    {
        "key": "oxfam-gao", "org": "Oxfam",
        "title": "Évaluation conjointe avec les affaires civiles à Gao",
        "description": (
            "Invitation à une évaluation conjointe des besoins avec les affaires civiles pour "
            "choisir des projets à impact rapide."
        ),
        "principle": "neutrality", "body": "FCS-Gao", "likelihood": 4, "impact": 3,
        "mitigation": (
            "Oxfam n'a pas participé ; ses constats passent par le groupe de travail protection "
            "de Gao. Analyse close."
        ),
        "owner": None, "every": 90, "next_review": D(2014, 5, 25), "status": "closed",
        "shared_with": ["UNHCR"],
    },
    {
        "key": "rspe-gao", "org": "RSPE",
        "title": "Sécurité des animateurs siégeant au forum de la mission à Gao",
        "description": (
            "Des animateurs du réseau vus au forum de la mission peuvent être menacés par des "
            "groupes armés, et les familles hésiter à signaler des cas."
        ),
        "principle": "humanity", "body": "FCS-Gao", "likelihood": 3, "impact": 4,
        "mitigation": (
            "Représentation par la coordinatrice du réseau seulement ; aucun cas individuel "
            "évoqué ; réunions hors des camps de la mission."
        ),
        "owner": None, "every": 45, "next_review": 9, "status": "open", "shared_with": ["UNICEF"],
    },
]
# fmt: on

# (risk key, reviewed on, reviewer username, likelihood, impact, note)
# fmt: off
REVIEWS = [
    ("drc-perception", D(2013, 10, 15), "drc.focal_point", 4, 4, "Analyse initiale."),
    ("drc-perception",
     D(2014, 1, 20), "drc.admin",
     3, 4, "Statut d'observateur confirmé ; aucune visibilité conjointe depuis trois mois."),
    ("drc-intelligence", D(2013, 10, 15), "drc.focal_point", 2, 5, "Analyse initiale."),
    ("unhcr-ccp",
     D(2013, 12, 10), "unhcr.focal_point",
     2, 4, "Comptes rendus de la cellule partagés avec les membres du Cluster."),
    ("ocha-ccp",
     D(2013, 11, 20), "ocha.im_officer",
     2, 3, "Lignes directrices CMCoord diffusées à la Force."),
    ("oxfam-gao", D(2014, 2, 25), None, 4, 3, "Invitation déclinée : analyse close."),
]
# fmt: on

# --------------------------------------------------------------------------- meetings

# body, held_on (date, or days from today), title, summary, recorded_by, decisions, actions:
# (text, owner, owner user, due days after the meeting, status, done days after or None).
# fmt: off
MEETINGS = [
    {
        "body": "CP-Mali",
        "held_on": D(2013, 7, 18),
        "title": "Réunion mensuelle : arrivée de la MINUSMA",
        "summary": "Présentation du mandat de la MINUSMA ; premières demandes de la mission.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "Le Cluster élabore un document « points d'entrée » sur les composantes de la "
            "MINUSMA pertinentes pour la protection.",
            "Les demandes d'information de la mission passent par la coordination du Cluster.",
        ],
        "actions": [
            ("Rédiger la première version des « points d'entrée ».", "UNHCR", None, 21, "done", 19),
            ("Partager le calendrier de déploiement des sections civiles.", "OCHA", None, 14,
             "done", 12),
        ],
    },
    {
        "body": "CP-Mali",
        "held_on": D(2013, 9, 12),
        "title": "Restitution de la mission conjointe de protection",
        "summary": "Recommandations de la mission conjointe d'août 2013 ; suites à donner.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "L'engagement avec la MINUSMA est structuré selon les objectifs de la stratégie ; "
            "pour chacun, le Cluster recense les questions ouvertes et les préoccupations.",
            "Un groupe de travail sur les droits de l'homme est rétabli au sein du Cluster.",
            "Tout membre siégeant dans un organe de la mission documente d'abord une analyse "
            "des risques pour les principes humanitaires.",
        ],
        "actions": [
            ("Compiler, par objectif, les questions et préoccupations pour la MINUSMA.",
             "UNHCR", "unhcr.focal_point", 30, "done", 26),
            ("Proposer les termes de référence du groupe de travail droits de l'homme.",
             "OHCHR", None, 30, "done", 40),
            ("Préparer le modèle d'analyse des risques d'engagement.", "DRC",
             "drc.focal_point", 21, "done", 20),
            ("Élargir les « points d'entrée » aux acteurs du Cluster et aux homologues "
             "nationaux.", "UNHCR", "unhcr.im_officer", 60, "in_progress", None),
        ],
    },
    {
        "body": "CP-Mali",
        "held_on": D(2013, 10, 10),
        "title": "Participation à la cellule de coordination de la MINUSMA",
        "summary": "Modalités de participation du Cluster à la cellule ; protocole de partage.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "UNHCR (coordination du Cluster) et OCHA siègent à la cellule comme membres ; DRC "
            "comme observateur, sur la base de son analyse des risques.",
            "Le protocole PC-MINUSMA-2013-01 encadre tout partage d'information avec la mission.",
        ],
        "actions": [
            ("Finaliser l'analyse des risques avant de siéger comme observateur.", "DRC",
             "drc.focal_point", 10, "done", 5),
            ("Diffuser aux membres une note sur le protocole de partage.", "UNHCR", None, 14,
             "done", 16),
        ],
    },
    {
        "body": "CP-Mali",
        "held_on": D(2013, 11, 14),
        "title": "Retours spontanés dans le nord",
        "summary": "Données de la Commission Mouvement de Populations ; position sur le retour.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "Le Cluster rappelle la position de l'EHP : les conditions ne sont pas réunies pour "
            "promouvoir le retour.",
        ],
        "actions": [
            ("Partager les données de retour par cercle.", "IOM", None, 14, "done", 10),
            ("Note d'orientation sur l'état civil des rapatriés.", "UNHCR", None, 45, "open",
             None),
            ("Recenser les litiges fonciers signalés à Tombouctou et Gao.", "UNHCR", None, 60,
             "in_progress", None),
        ],
    },
    {
        "body": "CP-Mali",
        "held_on": D(2013, 12, 12),
        "title": "Plan de réponse stratégique 2014",
        "summary": "Priorités 2014 du Cluster et des sous-clusters.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "Les sous-clusters soumettent leurs projets avant le 20 décembre.",
            "Le suivi de protection est étendu à Ménaka et Kidal.",
        ],
        "actions": [
            ("Soumettre les projets protection de l'enfance.", "UNICEF", "unicef.focal_point",
             8, "done", 7),
            ("Soumettre les projets VBG.", "UNFPA", "unfpa.focal_point", 8, "done", 8),
            ("Déployer le suivi de protection à Ménaka.", "Oxfam", None, 60, "open", None),
            ("Identifier un partenaire de suivi à Kidal.", "AEAT", None, 45, "dropped", None),
        ],
    },
    {
        "body": "CP-Mali",
        "held_on": D(2014, 2, 13),
        "title": "Revue de la stratégie du Cluster",
        "summary": "Révision de la stratégie, en consultant la MINUSMA comme recommandé.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "La MINUSMA est consultée sur la révision de la stratégie par la cellule de "
            "coordination.",
            "Les objectifs OS1 à OS6 sont maintenus ; l'OS6 couvre l'accès à la justice.",
        ],
        "actions": [
            ("Transmettre le projet de stratégie à la cellule de coordination.", "UNHCR",
             "unhcr.focal_point", 21, "in_progress", None),
            ("Consolider les commentaires des ONG sur la stratégie.", "DRC", "drc.focal_point",
             14, "done", 13),
            ("Cartographier les services VBG à Mopti.", "ADDF", None, 30, "open", None),
        ],
    },
    {
        "body": "CP-Mali",
        "held_on": -12,
        "title": "Réunion mensuelle : suivi des points d'action et des formations",
        "summary": "Revue des points d'action ouverts, des analyses de risques et des formations.",
        "recorded_by": "unhcr.im_officer",
        "decisions": [
            "Les points d'action en retard sont revus en priorité à la prochaine réunion.",
            "La cartographie des formations sert à éviter les doublons avant toute nouvelle "
            "session.",
        ],
        "actions": [
            ("Mettre à jour la liste des points focaux thématiques.", "UNHCR",
             "unhcr.focal_point", 16, "open", None),
            ("Revoir l'analyse des risques de participation à la cellule.", "DRC",
             "drc.focal_point", 19, "open", None),
            ("Signaler les doublons de formation aux fournisseurs concernés.", "OCHA",
             "ocha.im_officer", 23, "open", None),
            ("Partager le calendrier des formations MRM.", "UNICEF", "unicef.focal_point", 26,
             "open", None),
            ("Mettre à jour la cartographie des services VBG.", "UNFPA", "unfpa.focal_point", 30,
             "open", None),
            ("Proposer l'ordre du jour du prochain groupe droits de l'homme.", "OHCHR", None, 40,
             "open", None),
        ],
    },
    {
        "body": "CP-Mopti",
        "held_on": D(2013, 8, 8),
        "title": "Sous-cluster de Mopti : services disponibles",
        "summary": "Mouvements de population vers Mopti ; services disponibles.",
        "recorded_by": None,
        "decisions": ["Le sous-cluster tient une liste des services par cercle."],
        "actions": [
            ("Établir la liste des services par cercle.", "DRC", None, 30, "done", 35),
            ("Informer sur les violences signalées à Douentza.", "UNICEF", None, 14, "done", 9),
        ],
    },
    {
        "body": "CP-Mopti",
        "held_on": D(2013, 10, 3),
        "title": "Sous-cluster de Mopti : observateurs de la mission",
        "summary": "Arrivée d'une équipe droits de l'homme de la MINUSMA à Mopti.",
        "recorded_by": None,
        "decisions": [
            "La Division des droits de l'homme est invitée comme observateur.",
            "Aucune liste de cas n'est partagée en réunion.",
        ],
        "actions": [
            ("Présenter le protocole de partage aux membres de Mopti.", "UNHCR", None, 21,
             "done", 20),
            ("Organiser une session de sensibilisation VBG à Bandiagara.", "ADDF", None, 45,
             "done", 52),
        ],
    },
    {
        "body": "CP-Mopti",
        "held_on": D(2014, 1, 9),
        "title": "Sous-cluster de Mopti : Douentza et Tenenkou",
        "summary": "Situation à Douentza et Tenenkou ; clinique juridique mobile.",
        "recorded_by": None,
        "decisions": ["La clinique juridique mobile passe à Tenenkou en février."],
        "actions": [
            ("Planifier le passage de la clinique juridique à Tenenkou.", "AFPCS", None, 30,
             "done", 28),
            ("Relancer la Direction régionale sur l'état civil des déplacés.", "MDS", None, 30,
             "done", 40),
        ],
    },
    {
        "body": "CCP-MINUSMA",
        "held_on": D(2013, 10, 22),
        "title": "Réunion constitutive de la cellule",
        "summary": "Termes de référence ; participation du Cluster et d'OCHA.",
        "recorded_by": "poc.focal_point",
        "decisions": [
            "La cellule rend compte au RSSG adjoint.",
            "Les demandes d'information au Cluster passent par sa coordination.",
        ],
        "actions": [
            ("Circuler les termes de référence révisés.", "MINUSMA-POC", "poc.focal_point", 14,
             "done", 15),
            ("Présenter la cartographie des acteurs de protection du Cluster.", "UNHCR",
             "unhcr.focal_point", 42, "done", 42),
        ],
    },
    {
        "body": "CCP-MINUSMA",
        "held_on": D(2013, 12, 3),
        "title": "Évaluation des risques de protection",
        "summary": "Méthode de l'évaluation des risques PoC ; contribution du Cluster.",
        "recorded_by": "poc.focal_point",
        "decisions": [
            "L'évaluation des risques s'appuie sur l'analyse du Cluster, sans données de cas.",
        ],
        "actions": [
            ("Partager l'analyse des tendances de protection (agrégats).", "UNHCR", None, 21,
             "done", 22),
            ("Désigner le conseiller de la Force sur l'atténuation des risques.", "MINUSMA-JOC",
             None, 45, "open", None),
        ],
    },
    {
        "body": "CCP-MINUSMA",
        "held_on": D(2014, 2, 4),
        "title": "Stratégie PoC de la mission",
        "summary": "Projet de stratégie PoC ; consultation du Cluster.",
        "recorded_by": "poc.focal_point",
        "decisions": ["Le projet de stratégie PoC est partagé avec le Cluster pour avis."],
        "actions": [
            ("Transmettre les commentaires du Cluster sur la stratégie PoC.", "UNHCR",
             "unhcr.focal_point", 21, "done", 24),
            ("Préciser les engagements de la Force pour la remise des enfants capturés.",
             "MINUSMA-CPA", "cpa.focal_point", 30, "in_progress", None),
        ],
    },
    {
        "body": "GTDH",
        "held_on": D(2013, 11, 5),
        "title": "Réunion constitutive du groupe de travail",
        "summary": "Termes de référence ; règles d'échange d'information.",
        "recorded_by": None,
        "decisions": [
            "Seules des informations dépersonnalisées sont échangées en réunion.",
            "Le groupe suit l'accès à la justice des victimes orientées par les membres.",
        ],
        "actions": [
            ("Adopter les termes de référence.", "OHCHR", None, 14, "done", 14),
            ("Présenter les tendances des violations signalées.", "MINUSMA-HRD",
             "hrd.verifier", 30, "done", 30),
        ],
    },
    {
        "body": "GTDH",
        "held_on": D(2014, 1, 21),
        "title": "Accès à la justice dans le nord",
        "summary": "Redéploiement de la justice ; assistance juridique disponible.",
        "recorded_by": None,
        "decisions": ["Le groupe demande un état des juridictions fonctionnelles du nord."],
        "actions": [
            ("Établir l'état des juridictions fonctionnelles.", "MINUSMA-HRD", "hrd.verifier",
             30, "open", None),
            ("Recenser les cliniques juridiques actives.", "AFPCS", None, 30, "done", 25),
        ],
    },
    {
        "body": "SC-PE",
        "held_on": D(2013, 9, 25),
        "title": "Réunion du sous-cluster Protection de l'enfance",
        "summary": "Enfants associés aux groupes armés ; protocole de remise.",
        "recorded_by": "unicef.focal_point",
        "decisions": ["Le sous-cluster plaide pour un protocole de remise signé par l'État."],
        "actions": [
            ("Préparer la note de plaidoyer sur le protocole de remise.", "UNICEF",
             "unicef.focal_point", 21, "done", 30),
            ("Identifier des familles d'accueil transitoires à Gao.", "RSPE", None, 45,
             "done", 60),
        ],
    },
    {
        "body": "SC-VBG",
        "held_on": D(2013, 10, 17),
        "title": "Réunion du sous-cluster VBG",
        "summary": "Présentation des MARA par les conseillères ; confidentialité.",
        "recorded_by": "unfpa.focal_point",
        "decisions": [
            "Les MARA ne reçoivent aucune donnée identifiante des prestataires de services.",
        ],
        "actions": [
            ("Rédiger une note sur l'articulation MARA et GBVIMS.", "UNFPA", "unfpa.focal_point",
             30, "done", 33),
        ],
    },
    {
        "body": "FCS-Gao",
        "held_on": D(2014, 3, 6),
        "title": "Forum de cohésion sociale",
        "summary": "Tensions intercommunautaires à Gao et Bourem.",
        "recorded_by": None,
        "decisions": ["Le forum se réunit hors des locaux de la mission."],
        "actions": [
            ("Proposer un lieu de réunion en ville.", "MINUSMA-CAD", None, 14, "done", 10),
        ],
    },
]

# fmt: on

# --------------------------------------------------------------------------- trainings

# provider, title, topic, audience, area P-code, from, to, participants, women, language, note.
# Likely duplicates on purpose (same topic and audience, overlapping areas and periods): the IHL
# trainings for national forces in Mopti (OHCHR, MINUSMA-HRD); child protection for national
# forces in Gao (UNICEF, CPA); CRSV for national forces in Bamako (UNFPA, WPA); humanitarian
# principles for the Force in Tombouctou (OCHA, JOC); protection monitoring for NGOs in Mopti
# (DRC, UNHCR); mine-risk education in Gao (UNMAS, RSPE). Near misses that are not: the same
# IHL training in Gao; child protection for national forces in Mopti; a CRSV catch-up session
# the day after; CRSV for mission police the same days; mine-risk in two cercles of Gao.
FR, FR_BM, FR_TQ, EN_FR = (
    "Français",
    "Français et bambara",
    "Français et tamasheq",
    "Anglais et français",
)
# fmt: off
TRAININGS = [
    ("UNHCR", "Droit des réfugiés et retours volontaires", "refugee_law", "government",
     BAMAKO, D(2013, 9, 24), D(2013, 9, 26), 28, 9, FR, ""),
    ("UNHCR", "Principes du retour volontaire pour les ONG", "refugee_law", "ngos",
     MOPTI, D(2013, 10, 15), D(2013, 10, 17), 31, 12, FR, ""),
    ("UNHCR", "Droit des réfugiés pour les autorités locales", "refugee_law", "government",
     TOMBOUCTOU, D(2014, 4, 8), D(2014, 4, 10), 22, 4, FR, ""),
    ("UNHCR", "Retours et solutions durables pour le personnel civil", "refugee_law",
     "mission_civilian", BAMAKO, D(2014, 5, 13), D(2014, 5, 14), 35, 14, EN_FR, ""),
    ("UNHCR", "Suivi de protection : outils communs du Cluster", "protection_monitoring",
     "ngos", MOPTI, D(2014, 3, 12), D(2014, 3, 14), 24, 10, FR, ""),
    ("OCHA", "Principes humanitaires et coordination civilo-militaire", "principles",
     "mission_military", BAMAKO, D(2013, 10, 1), D(2013, 10, 2), 40, 3, EN_FR, ""),
    ("OCHA", "Coordination civilo-militaire pour les officiers de secteur", "principles",
     "mission_military", MOPTI, D(2013, 11, 19), D(2013, 11, 20), 26, 2, FR, ""),
    ("OCHA", "Principes humanitaires pour les contingents de Tombouctou", "principles",
     "mission_military", TOMBOUCTOU, D(2013, 12, 2), D(2013, 12, 3), 33, 1, FR, ""),
    ("OCHA", "Accès humanitaire et escortes : lignes directrices IASC", "principles",
     "mission_military", GAO, D(2014, 2, 25), D(2014, 2, 26), 30, 2, EN_FR, ""),
    ("MINUSMA-JOC", "Séance CIMIC : principes humanitaires", "principles",
     "mission_military", "ML06", D(2013, 12, 3), D(2013, 12, 4), 45, 4, FR,
     "Organisée par la Force sans consulter OCHA."),
    ("UNICEF", "Protection de l'enfance et MRM pour les FAMa", "child_protection",
     "national_forces", GAO, D(2014, 2, 10), D(2014, 2, 12), 38, 2, FR, ""),
    ("UNICEF", "Protection de l'enfance pour les contingents", "child_protection",
     "mission_military", BAMAKO, D(2013, 10, 28), D(2013, 10, 30), 42, 5, EN_FR, ""),
    ("UNICEF", "Remise des enfants associés aux groupes armés", "child_protection",
     "national_forces", "ML0406", D(2013, 12, 9), D(2013, 12, 11), 30, 3, FR, ""),
    ("MINUSMA-CPA", "Droits de l'enfant et conduite des opérations (FAMa)", "child_protection",
     "national_forces", GAO, D(2014, 2, 11), D(2014, 2, 13), 40, 1, FR, ""),
    ("MINUSMA-CPA", "Les six violations graves pour les contingents", "child_protection",
     "mission_military", TOMBOUCTOU, D(2014, 1, 14), D(2014, 1, 15), 36, 2, EN_FR, ""),
    ("MINUSMA-CPA", "Protection de l'enfance pour le bataillon de Kidal", "child_protection",
     "mission_military", "ML0802", D(2014, 3, 18), D(2014, 3, 19), 29, 0, FR, ""),
    ("MINUSMA-CPA", "Droits de l'enfant et conduite des opérations (FAMa, Mopti)",
     "child_protection", "national_forces", MOPTI, D(2014, 2, 11), D(2014, 2, 13), 35, 2, FR, ""),
    ("UNFPA", "Violences sexuelles liées aux conflits : prévention et réponse",
     "crsv", "national_forces", "ML09", D(2014, 1, 20), D(2014, 1, 22), 32, 6, FR, ""),
    ("UNFPA", "Violences sexuelles liées aux conflits : session de rattrapage", "crsv",
     "national_forces", BAMAKO, D(2014, 1, 24), D(2014, 1, 25), 14, 2, FR, ""),
    ("UNFPA", "Principes directeurs VBG et référencement", "gbv", "ngos",
     MOPTI, D(2013, 11, 26), D(2013, 11, 28), 27, 19, FR, ""),
    ("MINUSMA-WPA", "Violences sexuelles liées aux conflits pour les FDS", "crsv",
     "national_forces", BAMAKO, D(2014, 1, 21), D(2014, 1, 23), 30, 5, FR, ""),
    ("MINUSMA-WPA", "Violences sexuelles liées aux conflits pour UNPOL", "crsv",
     "mission_police", BAMAKO, D(2014, 1, 21), D(2014, 1, 22), 25, 7, EN_FR, ""),
    ("MINUSMA-WPA", "Prévention des violences sexuelles en patrouille", "crsv",
     "mission_military", GAO, D(2014, 3, 25), D(2014, 3, 27), 34, 3, EN_FR, ""),
    ("ADDF", "Écoute et orientation des survivantes", "gbv", "community",
     MOPTI, D(2014, 2, 18), D(2014, 2, 19), 45, 38, FR_BM, ""),
    ("UNMAS", "Éducation aux risques des mines à Bourem", "mine_risk", "community",
     "ML0702", D(2013, 10, 7), D(2013, 10, 8), 120, 55, "Français et songhaï", ""),
    ("UNMAS", "Éducation aux risques des mines à Ansongo", "mine_risk", "community",
     "ML0701", D(2013, 10, 7), D(2013, 10, 8), 95, 40, "Français et songhaï", ""),
    ("UNMAS", "Éducation aux risques des mines à Douentza", "mine_risk", "community",
     "ML0504", D(2014, 1, 27), D(2014, 1, 28), 80, 36, "Français et peul", ""),
    ("UNMAS", "Formation de formateurs en éducation aux risques", "mine_risk", "ngos",
     GAO, D(2013, 12, 16), D(2013, 12, 18), 18, 6, FR, ""),
    ("UNMAS", "Campagne d'éducation aux risques, région de Gao", "mine_risk", "community",
     "ML07", D(2014, 5, 5), D(2014, 5, 9), 400, 180, "Français et songhaï", ""),
    ("RSPE", "Éducation aux risques dans les écoles de Gao", "mine_risk", "community",
     GAO, D(2014, 5, 6), D(2014, 5, 7), 150, 70, "Français et songhaï", ""),
    ("AEAT", "Éducation aux risques des mines à Kidal", "mine_risk", "community",
     "ML0802", D(2014, 4, 22), D(2014, 4, 23), 60, 25, FR_TQ, ""),
    ("DRC", "Suivi de protection pour les ONG partenaires", "protection_monitoring", "ngos",
     "ML05", D(2014, 3, 10), D(2014, 3, 13), 26, 11, FR, ""),
    ("DRC", "Suivi de protection et référencement à Gao", "protection_monitoring", "ngos",
     GAO, D(2013, 9, 16), D(2013, 9, 19), 22, 8, FR, ""),
    ("DRC", "Suivi de protection à Tombouctou", "protection_monitoring", "ngos",
     TOMBOUCTOU, D(2013, 11, 12), D(2013, 11, 14), 19, 7, FR_TQ, ""),
    ("OHCHR", "Droit international humanitaire pour les FAMa", "ihl", "national_forces",
     MOPTI, D(2013, 11, 4), D(2013, 11, 8), 45, 2, FR, ""),
    ("OHCHR", "Droit international humanitaire pour les FAMa", "ihl", "national_forces",
     GAO, D(2013, 11, 5), D(2013, 11, 8), 40, 1, FR, ""),
    ("OHCHR", "Droits de l'homme et administration de la justice", "ihrl", "government",
     BAMAKO, D(2014, 6, 10), D(2014, 6, 12), 30, 8, FR, ""),
    ("MINUSMA-HRD", "DIH et droits de l'homme en opération", "ihl", "national_forces",
     "ML05", D(2013, 11, 6), D(2013, 11, 7), 50, 3, FR, ""),
    ("MINUSMA-HRD", "Droits de l'homme et détention", "ihrl", "national_forces",
     TOMBOUCTOU, D(2014, 2, 3), D(2014, 2, 5), 28, 2, FR, ""),
    ("MINUSMA-HRD", "Droits de l'homme pour les policiers de la mission", "ihrl",
     "mission_police", BAMAKO, D(2013, 12, 10), D(2013, 12, 11), 38, 9, EN_FR, ""),
    ("MINUSMA-POC", "Exercice de scénarios PoC avec les membres du Cluster", "scenarios",
     "mission_civilian", BAMAKO, D(2013, 11, 27), D(2013, 11, 28), 32, 13, FR,
     "Membres du Cluster invités comme joueurs."),
    ("MINUSMA-POC", "Exercice de scénarios : menace imminente à Gao", "scenarios",
     "mission_military", GAO, D(2014, 3, 11), D(2014, 3, 12), 27, 2, EN_FR, ""),
    ("MINUSMA-POC", "Protection des civils pour les commandants de secteur", "poc",
     "mission_military", MOPTI, D(2014, 1, 8), D(2014, 1, 9), 21, 1, EN_FR, ""),
    ("MINUSMA-UNPOL", "Accueil des victimes de VBG dans les commissariats", "gbv",
     "national_forces", BAMAKO, D(2014, 4, 1), D(2014, 4, 3), 36, 12, FR, ""),
    ("AFPCS", "Médiation communautaire et cohésion sociale", "other", "community",
     "ML0501", D(2014, 2, 4), D(2014, 2, 5), 40, 18, "Français et dogon", ""),
    ("MDS", "Prise en charge des enfants remis par les forces armées", "child_protection",
     "government", MOPTI, D(2014, 5, 20), D(2014, 5, 22), 25, 11, FR, ""),
    ("IOM", "Suivi des mouvements de population", "other", "ngos",
     BAMAKO, D(2013, 9, 10), D(2013, 9, 11), 29, 10, FR, ""),
]
# fmt: on
