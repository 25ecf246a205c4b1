"""The demo's service catalogue and the tables that drive its needs and referrals: which
organisation offers what where, the northern cercles without legal aid, the pathways drawn,
the needs each kind of incident brings, and how referrals end. Data only; `referrals.py`
loads it through the services."""

from __future__ import annotations

import datetime as dt

from passerelle.accounts.models import Organisation
from passerelle.referrals.models import DeclineReason, NeedKind, ServiceType, TargetGroup

# Providers added by this module (government services); the others come from loader.py.
ORGANISATIONS = [
    (
        "MSHP",
        "Ministère de la Santé et de l'Hygiène publique",
        "Ministry of Health and Public Hygiene",
        Organisation.Type.GOVERNMENT,
    ),
    ("PN", "Police nationale du Mali", "Mali National Police", Organisation.Type.GOVERNMENT),
]
# Who answers referrals for a provider (`referral.respond`), and who receives them by name.
RESPONDERS = {
    "DRC": "drc.case_worker",
    "UNHCR": "unhcr.admin",
    "UNICEF": "unicef.case_worker",
    "UNFPA": "unfpa.case_worker",
    "ADDF": "addf.admin",
}
RECEIVERS = {
    "DRC": "drc.case_worker",
    "UNFPA": "unfpa.case_worker",
    "UNICEF": "unicef.case_worker",
}

S = ServiceType
W, M, G, B = TargetGroup.WOMEN, TargetGroup.MEN, TargetGroup.GIRLS, TargetGroup.BOYS
EVERYONE = [W, M, G, B]
GROUPS = {"femmes": [W, G], "enfants": [G, B], "femmes+enfants": [W, G, B]}

# Region (P-code) -> (languages, prefix of the regional telephone exchange).
REGIONS = {
    "ML01": ("français, bambara, soninké", "21 52"),
    "ML02": ("français, bambara", "21 27"),
    "ML03": ("français, bambara, sénoufo", "21 62"),
    "ML04": ("français, bambara, peul", "21 32"),
    "ML05": ("français, bambara, peul", "21 42"),
    "ML06": ("français, songhaï, tamasheq", "21 92"),
    "ML07": ("français, songhaï, tamasheq, peul", "21 82"),
    "ML08": ("français, tamasheq", "21 85"),
    "ML09": ("français, bambara", "20 22"),
    "ML10": ("français, tamasheq, songhaï", "21 84"),
}

# The type part of a service code -> (service type, capacity a month, e-mail role, contact).
KINDS = {
    "MED": (S.MEDICAL, 40, "sante", "Point focal VBG de la structure de santé"),
    "PSS": (S.PSYCHOSOCIAL, 30, "pss", "Responsable du soutien psychosocial"),
    "JUR": (S.LEGAL, 20, "juridique", "Coordination de l'assistance juridique"),
    "SEC": (S.SAFETY, None, "securite", "Permanence d'accueil des victimes"),
    "ABR": (S.SHELTER, 12, "hebergement", "Responsable de l'hébergement"),
    "LIV": (S.LIVELIHOODS, 25, "moyens-existence", "Chargé·e des moyens d'existence"),
    "DOC": (S.DOCUMENTATION, 150, "documentation", "Bureau de la documentation civile"),
    "RFE": (S.FAMILY_TRACING, 30, "rfr", "Point focal recherche familiale"),
    "PEN": (S.CHILD_PROTECTION, 40, "protection-enfance", "Superviseur·e de la gestion de cas"),
    "ERM": (S.MINE_RISK, 600, "lam", "Coordination de l'action contre les mines"),
    "AVM": (S.MINE_VICTIM, 15, "assistance-victimes", "Point focal assistance aux victimes"),
    "HAN": (S.DISABILITY, 20, "readaptation", "Service de réadaptation"),
    "CSH": (S.CASH, 300, "transferts", "Chargé·e des transferts monétaires"),
}
HOURS = {
    "MED": "Tous les jours, 24 h/24 (urgences)",
    "SEC": "Tous les jours, 24 h/24",
    "ABR": "Admission tous les jours sur orientation, 24 h/24",
    "JUR": "Lundi–jeudi 8 h 30–16 h 30, vendredi 8 h 30–12 h 30",
    "PEN": "Lundi–samedi, 8 h 00–17 h 00",
    "ERM": "Séances dans les villages, selon le calendrier",
    "CSH": "Distributions selon le calendrier publié",
}
DEFAULT_HOURS = "Lundi–vendredi, 8 h 00–16 h 00"
# Type part -> (target groups, minimum age, maximum age) when not everyone of every age.
LIMITS = {
    "PEN": ([G, B], 0, 17),
    "RFE": ([G, B], 0, 17),
    "ABR": ([W, G], None, None),
    "LIV": (EVERYONE, 15, None),
    "CSH": (EVERYONE, 18, None),
    "ERM": (EVERYONE, 6, None),
}
# The provider part of a code, when it is not the organisation's acronym.
PROVIDERS = {"OXFAM": "Oxfam", "UNPOL": "MINUSMA-UNPOL"}
SUSPENDED = "Suspendu en raison de l'insécurité ; les orientations ne sont pas acceptées."

# One service per two lines: code (PROVIDER-REGION-TYPE-NN), areas served (P-codes), options
# (femmes / enfants / femmes+enfants, min=, max=, cap=, suspendu); then its name, indented.
# Dense in Bamako, Mopti, Ségou; thin in Tombouctou and Gao; almost nothing in Kidal and
# Ménaka. Legal aid only in Bamako, Kati, Ségou, Mopti and the towns of Tombouctou and Gao.
CATALOGUE = """
UNFPA-BKO-MED-01   ML09                   femmes
    Prise en charge médicale des survivantes de VBG – CSRéf de la Commune V
UNFPA-BKO-MED-02   ML09                   femmes
    Prise en charge médicale des survivantes de VBG – CSRéf de la Commune I
MSHP-BKO-MED-01    ML09
    Urgences gynécologiques et chirurgicales – CHU Gabriel Touré
UNFPA-BKO-PSS-01   ML09                   femmes
    Espace sûr pour femmes et filles – Commune VI
ADDF-BKO-PSS-01    ML09                   femmes min=12
    Écoute et accompagnement psychosocial des femmes – centre ADDF de Bamako
DRC-BKO-PSS-01     ML09
    Soutien psychosocial individuel et de groupe pour personnes déplacées – Bamako
ADDF-BKO-JUR-01    ML09                   femmes
    Clinique juridique pour femmes et filles – conseil et accompagnement en justice
DRC-BKO-JUR-01     ML09
    Information, conseil et assistance juridique pour déplacés – Bamako
UNHCR-BKO-JUR-01   ML09
    Assistance juridique aux déplacés et rapatriés (avec un partenaire) – Bamako
ADDF-BKO-ABR-01    ML09
    Maison d'accueil temporaire pour survivantes de VBG – Bamako
MDS-BKO-ABR-01     ML09                   enfants max=17
    Centre d'accueil et d'orientation pour enfants en situation difficile – Bamako
UNICEF-BKO-PEN-01  ML09
    Gestion de cas des enfants non accompagnés et séparés – Bamako
UNICEF-BKO-RFE-01  ML09
    Recherche familiale et réunification – Bamako
UNHCR-BKO-DOC-01   ML09
    Documentation civile (actes de naissance, cartes d'identité) pour déplacés – Bamako
PN-BKO-SEC-01      ML09
    Accueil et protection des victimes de violences – Police nationale, Bamako
DRC-BKO-LIV-01     ML09
    Appui aux activités génératrices de revenus pour ménages déplacés – Bamako
MDS-BKO-HAN-01     ML09
    Appareillage orthopédique et réadaptation fonctionnelle – Bamako
MSHP-KKR-MED-01    ML0204
    Prise en charge médicale – CSRéf de Kati
ADDF-KKR-PSS-01    ML0204,ML0206          femmes min=12
    Écoute et accompagnement des femmes – Kati et Koulikoro
ADDF-KKR-JUR-01    ML0204                 femmes
    Clinique juridique mobile – Kati
MSHP-KAY-MED-01    ML0103
    Urgences – Hôpital Fousseyni Daou de Kayes
MDS-KAY-PEN-01     ML0103
    Service social – protection des enfants en situation difficile, Kayes
MSHP-SIK-MED-01    ML0305
    Urgences – Hôpital régional de Sikasso
UNFPA-SEG-MED-01   ML0406                 femmes
    Prise en charge médicale des survivantes de VBG – CSRéf de Ségou
MSHP-SEG-MED-01    ML0404
    Prise en charge médicale – CSRéf de Niono
AFPCS-SEG-PSS-01   ML0406,ML0404
    Soutien psychosocial communautaire aux déplacés – Ségou et Niono
DRC-SEG-PSS-01     ML0406,ML0403          femmes min=15
    Groupes de parole pour femmes déplacées – Ségou et Macina
ADDF-SEG-PSS-01    ML0405                 femmes
    Accompagnement des survivantes de VBG – San
ADDF-SEG-JUR-01    ML0406,ML0405          femmes
    Clinique juridique – Ségou et San
DRC-SEG-JUR-01     ML0404,ML0403
    Assistance juridique – Niono et Macina
UNICEF-SEG-PEN-01  ML04
    Gestion de cas de protection de l'enfance – région de Ségou
UNICEF-SEG-PSS-01  ML0406,ML0404          enfants max=17
    Espaces amis des enfants – Ségou et Niono
UNICEF-SEG-RFE-01  ML0406,ML0404
    Recherche familiale et réunification – Ségou et Niono
UNHCR-SEG-DOC-01   ML0406,ML0404
    Documentation civile pour déplacés – Ségou et Niono
PN-SEG-SEC-01      ML0406
    Accueil des victimes de violences – commissariat de Ségou
MDS-SEG-ABR-01     ML0406                 femmes+enfants
    Hébergement d'urgence pour femmes et enfants – Ségou
UNFPA-MOP-MED-01   ML0506                 femmes
    Prise en charge médicale des survivantes de VBG – CSRéf de Mopti
UNFPA-MOP-MED-02   ML0504                 femmes
    Prise en charge médicale des survivantes de VBG – CSRéf de Douentza
UNFPA-MOP-MED-03   ML0501                 femmes
    Prise en charge médicale des survivantes de VBG – CSRéf de Bandiagara
MSHP-MOP-MED-01    ML05
    Urgences et chirurgie – Hôpital Sominé Dolo de Mopti
MSHP-MOP-MED-02    ML0503
    Prise en charge médicale – CSRéf de Djenné
UNFPA-MOP-PSS-01   ML0506                 femmes
    Espace sûr pour femmes et filles – Sévaré
DRC-MOP-PSS-01     ML0506
    Soutien psychosocial aux personnes déplacées – Mopti et Sévaré
DRC-MOP-PSS-02     ML0504
    Soutien psychosocial mobile – Douentza et Boni
ADDF-MOP-PSS-01    ML0506,ML0503          femmes min=12
    Groupes de parole et accompagnement des survivantes – Mopti et Djenné
AFPCS-MOP-PSS-01   ML0501,ML0502,ML0505
    Écoute communautaire – Bandiagara, Bankass et Koro
ADDF-MOP-JUR-01    ML0506,ML0503,ML0501   femmes
    Clinique juridique mobile – Mopti, Djenné et Bandiagara
DRC-MOP-JUR-01     ML0506,ML0504
    Assistance juridique et médiation – Mopti et Douentza
ADDF-MOP-ABR-01    ML05
    Maison d'hébergement temporaire pour survivantes de VBG – Sévaré
UNICEF-MOP-PEN-01  ML05
    Gestion de cas des enfants non accompagnés et séparés – Mopti
UNICEF-MOP-RFE-01  ML0506,ML0504
    Recherche et réunification familiales – Mopti et Douentza
UNICEF-MOP-PSS-01  ML0506,ML0504          enfants max=17
    Espaces amis des enfants – Mopti et Douentza
UNHCR-MOP-DOC-01   ML05
    Documentation civile pour déplacés et rapatriés – région de Mopti
PN-MOP-SEC-01      ML0506
    Accueil des victimes de violences – commissariat de Sévaré
DRC-MOP-LIV-01     ML0506,ML0501
    Activités génératrices de revenus pour survivantes et ménages déplacés – Mopti
UNMAS-MOP-ERM-01   ML0504
    Éducation aux risques des mines et restes explosifs de guerre – Douentza
UNFPA-TBK-MED-01   ML0605                 femmes
    Prise en charge médicale des survivantes de VBG – Hôpital de Tombouctou
MSHP-TBK-MED-01    ML0604
    Prise en charge médicale – CSRéf de Niafunké
MSHP-TBK-MED-02    ML0602
    Prise en charge médicale – CSRéf de Goundam
DRC-TBK-PSS-01     ML0605,ML0601
    Soutien psychosocial – Tombouctou et Diré
DRC-TBK-JUR-01     ML0605                 cap=10
    Assistance juridique – ville de Tombouctou
RSPE-TBK-PEN-01    ML0605,ML0601,ML0602
    Protection de l'enfance et réintégration – Tombouctou, Diré et Goundam
UNICEF-TBK-RFE-01  ML0605
    Recherche familiale et réunification – Tombouctou
AEAT-TBK-PSS-01    ML0602,ML0603          suspendu
    Écoute psychosociale mobile – Goundam et Gourma-Rharous
UNICEF-TBK-PSS-01  ML0605                 enfants max=17
    Espace ami des enfants et soutien psychosocial – Tombouctou
UNHCR-TBK-DOC-01   ML0605
    Documentation civile pour rapatriés – Tombouctou
UNPOL-TBK-SEC-01   ML0605
    Patrouilles de protection et point de contact – UNPOL, Tombouctou
UNMAS-TBK-ERM-01   ML0605,ML0602
    Éducation aux risques des mines et restes explosifs – Tombouctou et Goundam
OXFAM-TBK-CSH-01   ML0605,ML0601
    Transferts monétaires pour ménages vulnérables – Tombouctou et Diré
UNFPA-GAO-MED-01   ML0703                 femmes
    Prise en charge médicale des survivantes de VBG – Hôpital régional de Gao
MSHP-GAO-MED-01    ML0701
    Prise en charge médicale – CSRéf d'Ansongo
MSHP-GAO-MED-02    ML0702                 suspendu
    Prise en charge médicale – CSRéf de Bourem
DRC-GAO-PSS-01     ML0703
    Soutien psychosocial – ville de Gao
ADDF-GAO-PSS-01    ML0703                 femmes
    Accompagnement des survivantes de VBG – Gao
DRC-GAO-JUR-01     ML0703                 cap=10
    Assistance juridique – ville de Gao
ADDF-GAO-ABR-01    ML0703                 cap=6
    Hébergement temporaire sécurisé pour survivantes de VBG – Gao
RSPE-GAO-PEN-01    ML0703,ML0702
    Protection de l'enfance – Gao et Bourem
UNICEF-GAO-PEN-01  ML0703
    Centre de transit et d'orientation pour enfants sortis des groupes armés – Gao
UNICEF-GAO-PSS-01  ML0703                 enfants max=17
    Espaces amis des enfants – Gao
UNICEF-GAO-RFE-01  ML0703
    Recherche familiale et réunification – Gao
AEAT-GAO-LIV-01    ML0702
    Relance de l'élevage et du petit commerce – Bourem
UNMAS-GAO-ERM-01   ML0703,ML0701
    Éducation aux risques des mines et restes explosifs – Gao et Ansongo
UNMAS-GAO-AVM-01   ML0703
    Assistance aux victimes d'engins explosifs – Gao
UNPOL-GAO-SEC-01   ML0703
    Patrouilles de protection et point de contact – UNPOL, Gao
UNHCR-GAO-DOC-01   ML0703
    Documentation civile pour rapatriés et déplacés – Gao
MSHP-KID-MED-01    ML0802
    Soins d'urgence – Hôpital de Kidal
AEAT-KID-PSS-01    ML0802                 suspendu
    Écoute psychosociale – Kidal
UNMAS-KID-ERM-01   ML0802,ML0803          suspendu
    Éducation aux risques des mines et restes explosifs – Kidal et Tessalit
MSHP-MEN-MED-01    ML1001
    Prise en charge médicale – CSRéf de Ménaka
AEAT-MEN-PSS-01    ML1001
    Soutien psychosocial – Ménaka
RSPE-MEN-PEN-01    ML1001                 suspendu
    Protection de l'enfance – Ménaka
"""


# The English names of the catalogue's services: what is offered, then where (places keep
# their names; the few other endings are in ENDINGS_EN).
ACTIVITIES_EN = {
    "Accompagnement des survivantes de VBG": "Support for GBV survivors",
    "Accueil des victimes de violences": "Reception of victims of violence",
    "Accueil et protection des victimes de violences": (
        "Reception and protection of victims of violence"
    ),
    "Activités génératrices de revenus pour survivantes et ménages déplacés": (
        "Income-generating activities for survivors and displaced households"
    ),
    "Appareillage orthopédique et réadaptation fonctionnelle": (
        "Orthopaedic devices and physical rehabilitation"
    ),
    "Appui aux activités génératrices de revenus pour ménages déplacés": (
        "Support to income-generating activities for displaced households"
    ),
    "Assistance aux victimes d'engins explosifs": "Assistance to victims of explosive ordnance",
    "Assistance juridique": "Legal assistance",
    "Assistance juridique aux déplacés et rapatriés (avec un partenaire)": (
        "Legal assistance to displaced people and returnees (with a partner)"
    ),
    "Assistance juridique et médiation": "Legal assistance and mediation",
    "Centre d'accueil et d'orientation pour enfants en situation difficile": (
        "Reception and referral centre for children in difficult situations"
    ),
    "Centre de transit et d'orientation pour enfants sortis des groupes armés": (
        "Transit and referral centre for children released from armed groups"
    ),
    "Clinique juridique": "Legal clinic",
    "Clinique juridique mobile": "Mobile legal clinic",
    "Clinique juridique pour femmes et filles": "Legal clinic for women and girls",
    "Documentation civile (actes de naissance, cartes d'identité) pour déplacés": (
        "Civil documentation (birth certificates, identity cards) for displaced people"
    ),
    "Documentation civile pour déplacés": "Civil documentation for displaced people",
    "Documentation civile pour déplacés et rapatriés": (
        "Civil documentation for displaced people and returnees"
    ),
    "Documentation civile pour rapatriés": "Civil documentation for returnees",
    "Documentation civile pour rapatriés et déplacés": (
        "Civil documentation for returnees and displaced people"
    ),
    "Espace ami des enfants et soutien psychosocial": (
        "Child-friendly space and psychosocial support"
    ),
    "Espace sûr pour femmes et filles": "Safe space for women and girls",
    "Espaces amis des enfants": "Child-friendly spaces",
    "Gestion de cas de protection de l'enfance": "Child protection case management",
    "Gestion de cas des enfants non accompagnés et séparés": (
        "Case management of unaccompanied and separated children"
    ),
    "Groupes de parole et accompagnement des survivantes": (
        "Support groups and accompaniment of survivors"
    ),
    "Groupes de parole pour femmes déplacées": "Support groups for displaced women",
    "Hébergement d'urgence pour femmes et enfants": "Emergency shelter for women and children",
    "Hébergement temporaire sécurisé pour survivantes de VBG": (
        "Safe temporary shelter for GBV survivors"
    ),
    "Information, conseil et assistance juridique pour déplacés": (
        "Information, counselling and legal assistance for displaced people"
    ),
    "Maison d'accueil temporaire pour survivantes de VBG": (
        "Temporary safe house for GBV survivors"
    ),
    "Maison d'hébergement temporaire pour survivantes de VBG": (
        "Temporary shelter house for GBV survivors"
    ),
    "Patrouilles de protection et point de contact": "Protection patrols and contact point",
    "Prise en charge médicale": "Medical care",
    "Prise en charge médicale des survivantes de VBG": "Medical care for GBV survivors",
    "Protection de l'enfance": "Child protection",
    "Protection de l'enfance et réintégration": "Child protection and reintegration",
    "Recherche et réunification familiales": "Family tracing and reunification",
    "Recherche familiale et réunification": "Family tracing and reunification",
    "Relance de l'élevage et du petit commerce": "Restarting livestock and small trade",
    "Service social": "Social services",
    "Soins d'urgence": "Emergency care",
    "Soutien psychosocial": "Psychosocial support",
    "Soutien psychosocial aux personnes déplacées": "Psychosocial support for displaced people",
    "Soutien psychosocial communautaire aux déplacés": (
        "Community psychosocial support for displaced people"
    ),
    "Soutien psychosocial individuel et de groupe pour personnes déplacées": (
        "Individual and group psychosocial support for displaced people"
    ),
    "Soutien psychosocial mobile": "Mobile psychosocial support",
    "Transferts monétaires pour ménages vulnérables": "Cash transfers for vulnerable households",
    "Urgences": "Emergency department",
    "Urgences et chirurgie": "Emergency and surgery",
    "Urgences gynécologiques et chirurgicales": "Gynaecological and surgical emergencies",
    "Écoute communautaire": "Community listening",
    "Écoute et accompagnement des femmes": "Listening and support for women",
    "Écoute et accompagnement psychosocial des femmes": (
        "Listening and psychosocial support for women"
    ),
    "Écoute psychosociale": "Psychosocial listening",
    "Écoute psychosociale mobile": "Mobile psychosocial listening",
    "Éducation aux risques des mines et restes explosifs": (
        "Mine and explosive remnants risk education"
    ),
    "Éducation aux risques des mines et restes explosifs de guerre": (
        "Mine and explosive remnants of war risk education"
    ),
}
ENDINGS_EN = {
    "conseil et accompagnement en justice": "advice and support in court",
    "Police nationale, Bamako": "National Police, Bamako",
}


def english_name(french: str) -> str:
    """A catalogue name in English: the activity translated, the place kept."""
    activity, _sep, ending = french.partition(" – ")
    english = ACTIVITIES_EN.get(activity, activity)
    if ending:
        english = f"{english} – {ENDINGS_EN.get(ending, ending)}"
    return english


def catalogue() -> list[dict]:
    """The catalogue as rows: code, provider acronym, type part, areas, options, name (and its
    English name)."""
    rows = []
    for line in CATALOGUE.strip().splitlines():
        if line.startswith(" "):
            rows[-1]["name"] = line.strip()
            rows[-1]["name_en"] = english_name(line.strip())
            continue
        code, pcodes, *options = line.split()
        provider, _region, kind, _number = code.split("-")
        rows.append(
            {
                "code": code,
                "provider": PROVIDERS.get(provider, provider),
                "kind": kind,
                "areas": pcodes.split(","),
                "options": options,
            }
        )
    return rows


# Northern cercles where the demo maps no legal aid at all (the gap the mission report names).
NO_LEGAL_AID = [
    "ML0801",  # Abeïbara
    "ML0802",  # Kidal
    "ML0803",  # Tessalit
    "ML0804",  # Tin-Essako
    "ML0701",  # Ansongo
    "ML0702",  # Bourem
    "ML0601",  # Diré
    "ML0602",  # Goundam
    "ML0603",  # Gourma-Rharous
    "ML0604",  # Niafunké
    "ML1001",  # Ménaka
    "ML1002",  # Anderamboukane
    "ML1003",  # Inékar
    "ML1004",  # Tidermène
]

K = NeedKind
# (area P-code, situation): the four field hubs for three situations, and three northern
# cercles whose GBV pathway shows the missing steps (no legal aid, no shelter).
PATHWAYS = [
    *(
        (pcode, need)
        for pcode in ("ML09", "ML0506", "ML0703", "ML0605")
        for need in (K.GBV_SURVIVOR, K.UASC, K.JUSTICE)
    ),
    ("ML0702", K.GBV_SURVIVOR),
    ("ML0602", K.GBV_SURVIVOR),
    ("ML0802", K.GBV_SURVIVOR),
]
PATHWAY_NOTES = {
    K.GBV_SURVIVOR: (
        "Orienter uniquement avec le consentement éclairé de la survivante. Soins médicaux "
        "dans les 72 heures (prophylaxie post-exposition) et 120 heures (contraception "
        "d'urgence). Ne jamais exiger de plainte ni de certificat pour accéder aux soins."
    ),
    K.UASC: (
        "Enregistrer l'enfant, évaluer son intérêt supérieur et assurer une prise en charge "
        "provisoire avant toute recherche familiale. Ne pas déplacer l'enfant sans accord du "
        "gestionnaire de cas."
    ),
    K.JUSTICE: (
        "Informer la victime de ses droits et des risques d'une procédure ; orienter vers "
        "l'assistance juridique seulement si elle le souhaite. Aucune information ne va aux "
        "autorités sans son consentement."
    ),
}
STEP_GAP = "Aucun service dans la zone : signaler le manque au Cluster Protection."
STEP_SUSPENDED = "Service suspendu (insécurité) : vérifier avant d'orienter."
# Providers listed first in a step (then the others, by code).
PREFERRED = ["UNFPA", "ADDF", "DRC", "UNICEF", "UNHCR", "RSPE", "MSHP", "PN", "MINUSMA-UNPOL"]

# --------------------------------------------------------------------------- needs

# Incident category -> [(service type, probability)], for victims.
SEXUAL = [
    (S.MEDICAL, 0.95),
    (S.PSYCHOSOCIAL, 0.9),
    (S.LEGAL, 0.5),
    (S.SAFETY, 0.3),
    (S.SHELTER, 0.15),
]
NEEDS_BY_CATEGORY = {
    "gbv.rape": SEXUAL,
    "gbv.sexual_assault": SEXUAL,
    "pm.gbv": SEXUAL,
    "crsv.rape": SEXUAL,
    "crsv.gang_rape": SEXUAL,
    "crsv.sexual_assault": SEXUAL,
    "crsv.sexual_slavery": SEXUAL,
    "crsv.other_comparable_gravity": SEXUAL,
    "gbv.physical_assault": [
        (S.MEDICAL, 0.6),
        (S.PSYCHOSOCIAL, 0.8),
        (S.SAFETY, 0.4),
        (S.LEGAL, 0.3),
    ],
    "gbv.forced_marriage": [(S.PSYCHOSOCIAL, 0.8), (S.LEGAL, 0.7), (S.SHELTER, 0.3)],
    "crsv.forced_marriage": [(S.MEDICAL, 0.6), (S.PSYCHOSOCIAL, 0.9), (S.LEGAL, 0.5)],
    "pm.child_forced_marriage": [(S.CHILD_PROTECTION, 0.9), (S.LEGAL, 0.5), (S.PSYCHOSOCIAL, 0.6)],
    "gbv.denial_of_resources": [(S.LEGAL, 0.8), (S.LIVELIHOODS, 0.7)],
    "gbv.psychological_emotional_abuse": [(S.PSYCHOSOCIAL, 1.0), (S.LEGAL, 0.2)],
    "pm.family_separation": [
        (S.FAMILY_TRACING, 0.9),
        (S.CHILD_PROTECTION, 0.8),
        (S.DOCUMENTATION, 0.3),
    ],
    "pm.child_recruitment": [
        (S.CHILD_PROTECTION, 1.0),
        (S.FAMILY_TRACING, 0.6),
        (S.PSYCHOSOCIAL, 0.7),
    ],
    "pm.torture_cidt": [(S.LEGAL, 0.9), (S.MEDICAL, 0.5), (S.PSYCHOSOCIAL, 0.6)],
    "pm.abduction_detention": [(S.LEGAL, 0.9), (S.PSYCHOSOCIAL, 0.5)],
    "pm.documentation_justice": [(S.DOCUMENTATION, 0.9), (S.LEGAL, 0.7)],
    "pm.attacks_on_civilians": [(S.MEDICAL, 0.5), (S.PSYCHOSOCIAL, 0.7)],
    "pm.explosive_ordnance": [(S.MEDICAL, 0.8), (S.MINE_VICTIM, 0.8)],
    "pm.psychological_distress": [(S.PSYCHOSOCIAL, 1.0)],
    "pm.movement_displacement": [(S.DOCUMENTATION, 0.6), (S.SHELTER, 0.3)],
    "pm.property": [(S.LEGAL, 0.8)],
}
MRM = [(S.CHILD_PROTECTION, 1.0), (S.PSYCHOSOCIAL, 0.6)]
MRM_EXTRA = {
    "mrm.recruitment": [(S.FAMILY_TRACING, 0.6)],
    "mrm.abduction": [(S.FAMILY_TRACING, 0.6)],
    "mrm.deprivation_liberty": [(S.FAMILY_TRACING, 0.5), (S.LEGAL, 0.4)],
    "mrm.maiming": [(S.MEDICAL, 0.8), (S.DISABILITY, 0.3)],
    "mrm.sexual_violence": [(S.MEDICAL, 0.9)],
}
HR = [(S.LEGAL, 1.0), (S.PSYCHOSOCIAL, 0.4)]
# Weights of the sampling of persons: situation, region (where case workers are), organisation.
REGION_WEIGHT = {"ML09": 3, "ML05": 3, "ML04": 3, "ML02": 2, "ML06": 2, "ML07": 2}
PROTOCOL_START = dt.date(2013, 8, 1)  # PC-MINUSMA-2013-01 (demo/sharing.py)
PROTOCOL_REGIONS = {"ML05", "ML06", "ML07", "ML09"}
FRAMEWORK_WEIGHT = {"gbv": 3, "crsv": 3, "mrm": 2, "hr": 1.5, "pm": 1}

URGENCY = {S.MEDICAL: "emergency", S.SAFETY: "urgent", S.SHELTER: "urgent"}
SUMMARIES = {
    S.MEDICAL: "{who} ; a besoin d'une prise en charge médicale (incident récent).",
    S.PSYCHOSOCIAL: "{who} ; signes de détresse, souhaite un accompagnement psychosocial.",
    S.LEGAL: "{who} ; souhaite connaître ses droits et, le cas échéant, être accompagné·e "
    "en justice.",
    S.SAFETY: "{who} ; se sent menacé·e là où elle ou il vit actuellement.",
    S.SHELTER: "{who} ; a besoin d'un hébergement temporaire sûr.",
    S.CHILD_PROTECTION: "{who} ; évaluation et suivi en gestion de cas demandés.",
    S.FAMILY_TRACING: "{who} ; séparé·e de sa famille, demande une recherche familiale.",
    S.DOCUMENTATION: "{who} ; documents d'état civil perdus pendant le déplacement.",
    S.LIVELIHOODS: "{who} ; privé·e de ressources, cherche un appui aux moyens d'existence.",
}
DECLINES = [
    (DeclineReason.NO_CAPACITY, "Capacité du mois atteinte ; voir le service de repli."),
    (DeclineReason.NOT_REACHABLE, "Trois appels sans réponse au numéro convenu."),
    (DeclineReason.INSUFFICIENT_INFO, "Merci de préciser le besoin et le lieu de rendez-vous."),
    (DeclineReason.NOT_ELIGIBLE, "Hors des critères d'admission actuels du service."),
    (DeclineReason.OTHER, "Équipe mobile à l'arrêt cette quinzaine (route coupée)."),
]
WITHDRAWALS = [
    "La personne a quitté la zone desservie.",
    "Service obtenu entre-temps auprès d'un autre prestataire.",
    "La personne ne souhaite plus être accompagnée pour le moment.",
]
PROVIDED_NOTES = [
    "Prise en charge effectuée ; suivi convenu avec la personne.",
    "Service fourni ; la personne sait comment nous recontacter.",
    "",
]
CLOSE_NOTES = ["Suivi terminé avec la personne.", "Dossier clos après le dernier contact.", ""]

# Referral status -> weights, for referrals older and more recent than September 2014.
STATUS_WEIGHTS = {
    "older": {
        "closed": 45,
        "provided": 8,
        "declined": 10,
        "withdrawn": 9,
        "accepted": 8,
        "acknowledged": 5,
        "sent": 7,
        "draft": 3,
    },
    "recent": {
        "closed": 10,
        "provided": 15,
        "declined": 6,
        "withdrawn": 5,
        "accepted": 20,
        "acknowledged": 15,
        "sent": 19,
        "draft": 10,
    },
}
OVERDUE_SHARE = {"sent": 0.45, "acknowledged": 0.4, "accepted": 0.3, "provided": 0.2}
