"""From an XLSForm's questions to Passerelle's fields: the mapping, its proposal, its checks.

MAPPING FORMAT (stored in FormMapping.mapping, JSON)::

    {
      "<target>": {"question": "<xpath, Kobo path or unique name>",
                   "choices": {"<choice name>": "<Passerelle code>", ...}},
      "<target>": {"value": "<Passerelle code>"},        # the same value for every submission
      ...
    }

Targets (TARGETS below; a target left out is not imported):

- incident fields: occurred_on, reported_on, date_precision, exact_location, narrative,
  category, sub_type, perpetrator, source_type, source_reliability, classification
  ("2", "3", "4"), coordinates (a geopoint question) or latitude / longitude.
- area: "area.admin1", "area.admin2", "area.admin3" — one question per level, choices mapped
  to P-codes; the converter takes the FINEST level answered. "area" is a single question of
  any level (its answers, or its choices' codes, are P-codes).
- persons: "persons.repeat" names the repeat group whose entries become persons (each entry
  one person; person fields outside any repeat make one person per submission);
  "persons.role" (victim / witness / source; {"value": "victim"} when the repeat is a list of
  victims), persons.sex (f / m / u), persons.age, persons.age_group, persons.disability
  (yes / no / unknown), persons.displacement_status, persons.full_name, persons.father_name,
  persons.mother_name, persons.phone, persons.address, "persons.consent.<scope>" for each
  Consent.Scope value (choices mapped to "yes" / "no"), persons.needs (a select_multiple,
  choices mapped to ServiceType values).

A choice mapped to "" (or left out) means "no value": the answer is dropped, not guessed.
Codes of vocabularies are `vocabularies.Term.code` values (see passerelle/imports/rows.py).

`propose_mapping(form)` proposes one by names, types and labels in French and English;
`mapping_errors(form, mapping)` checks one an officer corrected.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .forms import Choice, FormDefinition, Question

# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------

DATE_TYPES = {"date", "datetime", "today", "start", "end", "calculate", "text"}
TEXT_TYPES = {"text", "calculate", "barcode"}
NUMBER_TYPES = {"integer", "decimal", "calculate", "text", "range"}
SELECT_ONE = {"select_one"}
CODE_TYPES = {"select_one", "text", "calculate"}  # answers that are codes already


@dataclass(frozen=True)
class Target:
    label: object  # lazy
    types: frozenset
    vocabulary: str = ""  # what its choices map onto (see `codes`)
    person: bool = False


def _t(label, types, vocabulary="", person=False):
    return Target(label, frozenset(types), vocabulary, person)


TARGETS: dict[str, Target] = {
    "occurred_on": _t(_("Date of the incident"), DATE_TYPES),
    "reported_on": _t(_("Date reported"), DATE_TYPES),
    "date_precision": _t(_("Date precision"), SELECT_ONE, "date_precision"),
    "area": _t(_("Area (P-code, any level)"), CODE_TYPES, "area"),
    "area.admin1": _t(_("Region (admin 1)"), SELECT_ONE | {"text"}, "area1"),
    "area.admin2": _t(_("Cercle (admin 2)"), SELECT_ONE | {"text"}, "area2"),
    "area.admin3": _t(_("Commune (admin 3)"), SELECT_ONE | {"text"}, "area3"),
    "exact_location": _t(_("Exact location"), TEXT_TYPES),
    "coordinates": _t(_("GPS coordinates (geopoint)"), {"geopoint"}),
    "latitude": _t(_("Latitude"), {"decimal", "text", "calculate"}),
    "longitude": _t(_("Longitude"), {"decimal", "text", "calculate"}),
    "category": _t(_("Category"), CODE_TYPES, "category"),
    "sub_type": _t(_("Sub-type"), CODE_TYPES, "sub_type"),
    "perpetrator": _t(_("Perpetrator category"), CODE_TYPES, "perpetrator"),
    "source_type": _t(_("Source type"), CODE_TYPES, "source_type"),
    "source_reliability": _t(_("Source reliability"), CODE_TYPES, "reliability"),
    "narrative": _t(_("Narrative"), TEXT_TYPES),
    "classification": _t(_("Classification"), CODE_TYPES | {"integer"}, "classification"),
    "persons.repeat": _t(_("Repeat whose entries are persons"), {"repeat"}, person=True),
    "persons.role": _t(_("Person's role"), CODE_TYPES, "role", True),
    "persons.sex": _t(_("Sex"), CODE_TYPES, "sex", True),
    "persons.age": _t(_("Age"), NUMBER_TYPES, person=True),
    "persons.age_group": _t(_("Age group"), CODE_TYPES, "age_group", True),
    "persons.disability": _t(_("Disability"), CODE_TYPES, "disability", True),
    "persons.displacement_status": _t(_("Displacement status"), CODE_TYPES, "displacement", True),
    "persons.full_name": _t(_("Full name"), TEXT_TYPES, person=True),
    "persons.father_name": _t(_("Father's name"), TEXT_TYPES, person=True),
    "persons.mother_name": _t(_("Mother's name"), TEXT_TYPES, person=True),
    "persons.phone": _t(_("Phone number"), TEXT_TYPES | {"integer"}, person=True),
    "persons.address": _t(_("Address"), TEXT_TYPES, person=True),
    "persons.needs": _t(_("Needs (services)"), {"select_multiple"}, "needs", True),
}
CONSENT_SCOPES = ("aggregate_reporting", "case_sharing", "identifiable_sharing", "referral")
for _scope in CONSENT_SCOPES:
    TARGETS[f"persons.consent.{_scope}"] = _t(
        _("Consent"), CODE_TYPES | {"acknowledge"}, "yes_no", True
    )
REQUIRED = ("occurred_on", "area", "category")
AREA_TARGETS = ("area", "area.admin1", "area.admin2", "area.admin3")


def target_label(target: str):
    """The target's name in the reader's language (consent scopes named by Consent.Scope)."""
    if target.startswith("persons.consent."):
        from passerelle.incidents.models import Consent

        scope = target.rsplit(".", 1)[1]
        return _say(_("Consent: %(scope)s"), scope=Consent.Scope(scope).label)
    return TARGETS[target].label


# ---------------------------------------------------------------------------------------------
# Passerelle's codes, with their labels in both languages
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    code: str
    labels: tuple[str, ...]  # French and English labels (and aliases)
    level: int | None = None  # areas
    parent: str = ""  # areas


_memo_store: contextvars.ContextVar = contextvars.ContextVar("xlsform_mapping_memo", default=None)


@contextlib.contextmanager
def _memoised():
    """Within one proposal or check, compute codes, words and scores once."""
    token = _memo_store.set({}) if _memo_store.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _memo_store.reset(token)


def _memo(key, compute):
    store = _memo_store.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def codes(vocabulary: str) -> list[Code]:
    """The codes a target's choices may map onto (database terms and areas when loaded)."""
    return _memo(("codes", vocabulary), lambda: _codes(vocabulary))


def _codes(vocabulary: str) -> list[Code]:
    from django.utils import translation

    if vocabulary in ("category", "sub_type", "perpetrator", "source_type", "reliability",
                      "age_group", "displacement"):  # fmt: skip
        from passerelle.vocabularies.models import Term

        qs = Term.objects.filter(active=True)
        if vocabulary == "category":
            qs = Term.objects.categories()
        elif vocabulary == "sub_type":
            qs = Term.objects.subtypes()
        else:
            qs = qs.filter(vocabulary=vocabulary)
        return [Code(t.code, (t.label_fr, t.label_en)) for t in qs.order_by("sort_order")]
    if vocabulary in ("area", "area1", "area2", "area3"):
        from passerelle.geography.models import Area

        qs = Area.objects.filter(level__gte=1)
        if vocabulary != "area":
            qs = qs.filter(level=int(vocabulary[-1]))
        rows = qs.values_list("pcode", "name_fr", "name_en", "level", "parent__pcode")
        return [Code(pcode, (fr, en), level, parent or "") for pcode, fr, en, level, parent in rows]
    if vocabulary == "needs":
        from passerelle.referrals.models import ServiceType

        out = []
        for value, label in ServiceType.choices:
            with translation.override("fr"):
                fr = str(label)
            with translation.override("en"):
                en = str(label)
            out.append(Code(value, (fr, en)))
        return out
    fixed = {
        "sex": [("f", "Féminin", "Female"), ("m", "Masculin", "Male"), ("u", "Inconnu", "Unknown")],
        "yes_no": [("yes", "Oui", "Yes"), ("no", "Non", "No")],
        "disability": [("yes", "Oui", "Yes"), ("no", "Non", "No"),
                       ("unknown", "Inconnu", "Unknown")],
        "role": [("victim", "Victime", "Victim"), ("witness", "Témoin", "Witness"),
                 ("source", "Source", "Source")],
        "date_precision": [("day", "Jour exact", "Exact day"), ("month", "Mois", "Month"),
                           ("year", "Année", "Year")],
        "classification": [("2", "Restreint", "Restricted"),
                           ("3", "Confidentiel", "Confidential"),
                           ("4", "Strictement confidentiel", "Strictly confidential")],
    }  # fmt: skip
    return [Code(c, (fr, en)) for c, fr, en in fixed.get(vocabulary, [])]


# ---------------------------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------------------------

STOPWORDS = set(
    """de du des la le les l d un une et ou en au aux a est il elle ce cet cette se s sur par
    pour dans avec qui que quel quelle quels quelles vous votre vos son sa ses leur
    the of an and or in on at to is are was were be by for with who what which this that
    it its his her their your you do does did has have from""".split()
)


def fold(text: str) -> str:
    """Lower case, accents removed, everything but letters and digits a space."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def stem(token: str) -> str:
    token = token.rstrip("s") if len(token) > 3 else token
    return token[:6]


def tokens(text: str) -> list[str]:
    """Stems of the significant words of a name or label ("nom_pere" → ["nom", "pere"])."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text or "")).replace("_", " ")
    return [stem(t) for t in fold(spaced).split() if t not in STOPWORDS]


def similarity(phrase: list[str], words: list[str]) -> float:
    """How well `words` (a question's) say `phrase` (a synonym): 1.0 when they are the same
    words, less when the question says more or only part of it."""
    if not phrase or not words:
        return 0.0
    wanted, have = set(phrase), set(words)
    common = len(wanted & have)
    if not common:
        return 0.0
    recall = common / len(wanted)
    precision = common / len(have)
    return recall * (0.7 + 0.3 * precision)


# ---------------------------------------------------------------------------------------------
# Synonyms (French and English), by target
# ---------------------------------------------------------------------------------------------

QUESTION_SYNONYMS = {
    "occurred_on": [
        "date incident", "date de l'incident", "incident date", "date of the incident",
        "date des faits", "date de l'evenement", "date of the event", "event date",
        "date de survenue", "date violation", "date of violation", "date de la violation",
        "date abus", "occurred on", "date occurred",
    ],
    "reported_on": [
        "date signalement", "date du signalement", "date reported", "report date",
        "date of report", "date rapport", "date de collecte", "date entretien",
        "date de l'entretien", "interview date", "date of interview", "date notification",
        "reporting date", "date de rapportage",
    ],
    "date_precision": ["precision de la date", "date precision", "date exacte", "exact date"],
    "area": ["p-code", "pcode", "code de la zone", "area code", "localisation administrative"],
    "area.admin1": ["region", "admin1", "adm1", "province", "state", "etat"],
    "area.admin2": ["cercle", "admin2", "adm2", "district", "departement", "prefecture"],
    "area.admin3": ["commune", "admin3", "adm3", "arrondissement", "sous prefecture",
                    "municipality"],
    "exact_location": [
        "localite", "lieu", "lieu de l'incident", "village", "quartier", "place",
        "location", "locality", "place of incident", "site", "lieu exact", "exact location",
        "nom du lieu", "place name",
    ],
    "coordinates": ["gps", "coordonnees", "coordinates", "geolocalisation", "position",
                    "point gps", "geopoint"],
    "latitude": ["latitude", "lat"],
    "longitude": ["longitude", "lon", "long", "lng"],
    "category": [
        "type incident", "type d'incident", "incident type", "type of incident", "categorie",
        "category", "type de violation", "violation type", "type of violation",
        "nature de l'incident", "nature of incident", "type d'abus", "type of abuse",
        "risque de protection", "protection risk", "type de risque",
    ],
    "sub_type": ["sous type", "sub type", "subtype", "sous categorie", "sub category"],
    "perpetrator": [
        "auteur", "auteur presume", "alleged perpetrator", "perpetrator", "auteurs",
        "responsable", "agresseur", "aggressor", "type d'auteur", "perpetrator type",
        "author",
    ],
    "source_type": [
        "source", "source de l'information", "source of information", "information source",
        "type de source", "source type", "informateur", "informant", "source of the information",
    ],
    "source_reliability": ["fiabilite", "fiabilite de la source", "source reliability",
                           "reliability", "credibilite", "credibility"],
    "narrative": [
        "description", "description de l'incident", "narratif", "narrative", "resume",
        "summary", "recit", "details", "description of the incident", "recit des faits",
        "incident description", "circonstances", "circumstances",
    ],
    "classification": ["classification", "niveau de confidentialite", "confidentiality",
                       "sensibilite", "sensitivity"],
    "persons.repeat": [
        "victimes", "victims", "victime", "victim", "survivants", "survivors", "survivor",
        "personnes", "persons", "people", "personnes affectees", "affected persons",
        "individus", "individuals", "membres", "members",
    ],
    "persons.role": ["role", "role de la personne", "person role", "qualite",
                     "statut de la personne"],
    "persons.sex": ["sexe", "sex", "genre", "gender"],
    "persons.age": ["age", "age de la victime", "age of victim", "age en annees", "age in years",
                    "age years", "ans"],
    "persons.age_group": ["tranche d'age", "age group", "groupe d'age", "age range",
                          "classe d'age", "age category"],
    "persons.disability": ["handicap", "disability", "situation de handicap", "disabled",
                           "personne handicapee", "person with disability", "pwd"],
    "persons.displacement_status": [
        "statut de deplacement", "displacement status", "statut", "status", "deplacement",
        "displacement", "statut residentiel", "residence status", "population type",
        "type de population",
    ],
    "persons.full_name": ["nom", "name", "nom complet", "full name", "nom et prenom",
                          "prenom et nom", "nom de la victime", "name of the victim",
                          "victim name", "nom prenom"],
    "persons.father_name": ["nom du pere", "father name", "father's name", "pere", "father"],
    "persons.mother_name": ["nom de la mere", "mother name", "mother's name", "mere", "mother"],
    "persons.phone": ["telephone", "phone", "numero de telephone", "phone number", "contact",
                      "tel", "mobile", "numero"],
    "persons.address": ["adresse", "address", "domicile", "residence", "lieu de residence"],
    "persons.needs": ["besoins", "needs", "besoins identifies", "identified needs",
                      "services", "services needed", "services requis", "besoin",
                      "assistance", "referencement", "referral needs"],
    "persons.consent.aggregate_reporting": ["consentement statistiques",
                                            "consent statistics", "consent aggregate"],
    "persons.consent.case_sharing": ["agree shared partners", "agree share",
                                     "accepte partage", "d'accord partage", "accord partage",
                                     "consentement partage", "consent sharing",
                                     "consentement au partage", "consent to share",
                                     "consent to sharing", "partage des informations"],
    "persons.consent.identifiable_sharing": ["consentement partage identite",
                                             "consent share identity", "partage de l'identite",
                                             "sharing identity"],
    "persons.consent.referral": ["accord pour etre oriente", "agree to be referred",
                                 "accord orientation", "accepte d'etre refere",
                                 "consentement referencement", "consent referral",
                                 "consent to referral", "consentement orientation",
                                 "consent to be referred", "referral consent"],
}  # fmt: skip

CHOICE_SYNONYMS = {
    "category": {
        "pm.attacks_on_civilians": ["meurtre", "homicide", "killing", "murder", "assassinat",
                                    "tue", "killed", "attaque", "attack", "execution",
                                    "shooting", "tirs", "fusillade", "bombardement",
                                    "shelling"],
        "pm.abduction_detention": ["enlevement", "abduction", "kidnapping", "rapt", "detention",
                                   "arrestation", "arrest", "disparition", "disappearance",
                                   "otage", "hostage"],
        "pm.gbv": ["vbg", "gbv", "viol", "rape", "violence sexuelle", "sexual violence",
                   "violence basee genre", "gender based violence", "agression sexuelle",
                   "sexual assault"],
        "pm.child_recruitment": ["recrutement", "recruitment", "enfant soldat", "child soldier",
                                 "enfants associes", "associated children"],
        "pm.child_forced_marriage": ["mariage force", "forced marriage", "mariage precoce",
                                     "early marriage", "mariage d'enfants", "child marriage"],
        "pm.property": ["pillage", "looting", "vol", "theft", "extorsion", "extortion",
                        "destruction de biens", "destruction of property", "expulsion",
                        "eviction", "incendie", "burning"],
        "pm.movement_displacement": ["deplacement force", "forced displacement",
                                     "restriction de mouvement", "restriction of movement",
                                     "blocus", "siege", "checkpoint"],
        "pm.explosive_ordnance": ["engin explosif", "explosive", "mine", "eei", "ied",
                                  "restes explosifs", "uxo", "erw"],
        "pm.torture_cidt": ["torture", "mauvais traitement", "ill treatment",
                            "traitement inhumain", "inhuman treatment"],
        "pm.psychological_distress": ["menace", "threat", "intimidation", "harcelement",
                                      "harassment", "violence psychologique",
                                      "psychological abuse"],
        "pm.trafficking_forced_labour": ["traite", "trafficking", "travail force",
                                         "forced labour", "forced labor", "esclavage",
                                         "slavery"],
        "pm.family_separation": ["separation familiale", "family separation",
                                 "enfant non accompagne", "unaccompanied child"],
        "pm.discrimination_denial": ["discrimination", "stigmatisation", "deni d'acces",
                                     "denial of access", "deni de ressources"],
        "pm.documentation_justice": ["documentation", "documents", "acces a la justice",
                                     "access to justice", "etat civil"],
        "pm.disinformation": ["desinformation", "disinformation", "rumeur", "rumour"],
    },
    "perpetrator": {
        "national_armed_forces": ["fama", "armee", "army", "forces armees", "armed forces",
                                  "militaires", "soldiers", "military"],
        "national_security_forces": ["police", "gendarmerie", "garde nationale",
                                     "forces de securite", "security forces"],
        "international_forces": ["minusma", "barkhane", "forces internationales",
                                 "international forces", "wagner", "africa corps"],
        "non_state_armed_group": ["gana", "gat", "groupe arme", "armed group", "jihadiste",
                                  "jihadist", "terroriste", "terrorist", "hommes armes",
                                  "armed men", "insurge", "insurgent"],
        "self_defence_militia": ["milice", "militia", "autodefense", "self defence",
                                 "self defense", "dozo", "chasseurs", "hunters"],
        "criminal_group": ["bandit", "criminel", "criminal", "voleurs", "thieves", "gang",
                           "coupeurs de route", "braqueurs", "robbers", "highway robbers"],
        "civilian_community": ["communaute", "community", "civil", "civilian", "voisin",
                               "neighbour", "neighbor"],
        "civilian_family": ["famille", "family", "partenaire intime", "intimate partner",
                            "mari", "husband", "conjoint", "spouse", "parent"],
        "other": ["autre", "other", "autres"],
        "unknown": ["inconnu", "unknown", "ne sait pas", "nsp", "don't know", "dk",
                    "non identifie", "unidentified"],
    },
    "source_type": {
        "victim": ["victime", "victim", "survivant", "survivor", "survivante"],
        "witness": ["temoin", "witness", "eyewitness", "temoin oculaire"],
        "family_member": ["famille", "family", "parent", "proche", "relative"],
        "community_leader": ["leader", "chef", "chief", "informateur cle", "key informant",
                             "notable", "elder"],
        "service_provider": ["ong", "ngo", "prestataire", "service provider", "agent de sante",
                             "health worker", "medecin", "doctor", "travailleur social",
                             "social worker"],
        "local_authority": ["autorite", "authority", "mairie", "prefet", "administration"],
        "media": ["media", "medias", "presse", "press", "radio", "journal", "newspaper",
                  "reseaux sociaux", "social media"],
        "document": ["document", "rapport ecrit", "written report"],
        "direct_observation": ["observation", "observation directe", "direct observation",
                               "moniteur", "monitor"],
        "other": ["autre", "other"],
        "unknown": ["inconnu", "unknown", "ne sait pas", "dk"],
    },
    "reliability": {
        "01": ["tres fiable", "highly reliable", "very reliable", "confirme", "confirmed"],
        "02": ["probablement fiable", "likely reliable", "fiable", "reliable", "probable"],
        "03": ["incertain", "incertaine", "unsure", "uncertain", "possible", "moyennement fiable"],
        "04": ["peu fiable", "likely unreliable", "unreliable", "doubtful", "douteux"],
        "05": ["tres peu fiable", "highly unreliable", "pas fiable", "not reliable"],
        "99": ["inconnu", "unknown", "ne sait pas"],
    },
    "sex": {
        "f": ["f", "feminin", "female", "femme", "woman", "fille", "girl", "femelle", "women"],
        "m": ["m", "masculin", "male", "homme", "man", "garcon", "boy", "men", "h"],
        "u": ["inconnu", "unknown", "ne sait pas", "nsp", "dk", "don't know", "autre", "other",
              "non precise", "not specified"],
    },
    "yes_no": {
        "yes": ["oui", "yes", "1", "true", "vrai", "o", "y", "accepte", "agree", "d'accord"],
        "no": ["non", "no", "0", "false", "faux", "n", "refuse", "refused", "disagree"],
    },
    "disability": {
        "yes": ["oui", "yes", "1", "true", "handicap", "disabled", "o", "y"],
        "no": ["non", "no", "0", "false", "aucun", "none", "n"],
        "unknown": ["ne sait pas", "nsp", "inconnu", "unknown", "don't know", "dk"],
    },
    "displacement": {
        "resident": ["resident", "communaute hote", "host community", "hote", "host",
                     "non deplace", "not displaced", "autochtone", "local"],
        "idp": ["pdi", "idp", "deplace", "displaced", "deplace interne",
                "internally displaced"],
        "refugee": ["refugie", "refugee"],
        "returnee": ["retourne", "returnee", "rapatrie", "repatriated", "returned", "retour"],
        "stateless": ["apatride", "stateless"],
        "asylum_seeker": ["demandeur d'asile", "asylum seeker"],
        "foreign_national": ["etranger", "foreigner", "foreign national", "migrant"],
    },
    "needs": {
        "health_medical_service": ["medical", "soins medicaux", "sante", "health",
                                   "medical care", "health care"],
        "psychosocial_service": ["psychosocial", "pss", "soutien psychosocial",
                                 "psychological support", "appui psychologique",
                                 "mhpss", "sante mentale", "mental health"],
        "legal_assistance_service": ["juridique", "legal", "aide juridique", "legal aid",
                                     "assistance juridique", "justice"],
        "police_other_service": ["securite", "safety", "security", "protection physique",
                                 "physical protection", "police"],
        "safehouse_service": ["abri", "shelter", "hebergement", "maison sure", "safe house",
                              "logement", "housing"],
        "livelihoods_service": ["moyens de subsistance", "livelihoods", "agr", "emploi",
                                "income", "revenus", "economic"],
        "documentation_legal_identity": ["documentation", "documents", "etat civil",
                                         "civil documentation", "acte de naissance",
                                         "birth certificate", "carte d'identite", "id card"],
        "family_tracing_reunification": ["recherche familiale", "reunification",
                                         "family tracing", "rfr", "ftr"],
        "child_protection_service": ["protection de l'enfance", "child protection",
                                     "gestion de cas", "case management"],
        "mine_risk_education": ["education aux risques", "mine risk education", "erm"],
        "mine_victim_assistance": ["assistance aux victimes de mines", "mine victim"],
        "disability_rehabilitation": ["readaptation", "rehabilitation", "handicap",
                                      "disability"],
        "education_service": ["education", "ecole", "school", "scolarisation",
                              "scolaire"],
        "food_service": ["vivres", "food", "nourriture", "alimentaire", "alimentation",
                         "food assistance"],
        "cash_assistance": ["cash", "especes", "argent", "monetaire", "transfert monetaire",
                            "cash transfer", "money"],
        "other_service": ["autre", "other", "nfi", "non vivres", "non food items",
                          "articles non alimentaires", "biens non alimentaires"],
    },
    "age_group": {
        "0_4": ["moins de 5 ans", "under 5", "under five", "0 4", "0 5", "moins de 5"],
        "5_11": ["5 11", "5 a 11", "5 to 11", "6 11"],
        "12_17": ["12 17", "12 a 17", "12 to 17"],
        "18_59": ["18 59", "18 a 59", "18 to 59", "adulte", "adult"],
        "60_plus": ["60 et plus", "60 and above", "60 and over", "60 plus", "60", "plus de 60",
                    "over 60", "personne agee", "elderly"],
        "unknown": ["inconnu", "unknown", "ne sait pas", "dk"],
    },
    "role": {
        "victim": ["victime", "victim", "survivant", "survivor"],
        "witness": ["temoin", "witness"],
        "source": ["source", "informateur", "informant"],
    },
}  # fmt: skip


@cache
def _synonym_tokens(target: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(tokens(p)) for p in QUESTION_SYNONYMS.get(target, ()))


# ---------------------------------------------------------------------------------------------
# Proposal
# ---------------------------------------------------------------------------------------------

THRESHOLD = 0.55  # below, a question is not proposed for a target
CHOICE_THRESHOLD = 0.5


def _question_words(form: FormDefinition, q: Question) -> list[list[str]]:
    """The question's name and each of its labels, as token lists."""

    def compute():
        out = [tokens(q.name)]
        out += [tokens(text) for text in q.labels.values() if text]
        return [w for w in out if w]

    return _memo(("question_words", q.xpath), compute)


def _question_score(form: FormDefinition, target: str, q: Question) -> float:
    return _memo(("question_score", target, q.xpath), lambda: _score(form, target, q))


def _score(form: FormDefinition, target: str, q: Question) -> float:
    best = 0.0
    for words in _question_words(form, q):
        for phrase in _synonym_tokens(target):
            best = max(best, similarity(list(phrase), words))
    return best


def _eligible(form: FormDefinition, target: str, q: Question, repeat: str) -> bool:
    spec = TARGETS[target]
    if q.ignored and q.type not in ("calculate",):
        return False
    if q.type not in spec.types:
        return False
    if q.type == "calculate" and target not in ("persons.age",):
        return False  # a calculate is proposed for nothing but a computed age
    if q.type == "text" and spec.vocabulary and target not in ("area",):
        return False  # coded fields are proposed from selects only
    if target == "persons.repeat":
        return True
    if spec.person:
        return q.repeat == repeat if repeat else not q.repeat
    return not q.repeat


def propose_mapping(form: FormDefinition) -> dict:
    """A mapping proposed from the form's names, types and labels; unsure targets left out."""
    with _memoised():
        return _propose(form)


def _propose(form: FormDefinition) -> dict:
    mapping: dict[str, dict] = {}
    used: set[str] = set()

    repeat = _propose_repeat(form)
    if repeat:
        mapping["persons.repeat"] = {"question": repeat.xpath}
        mapping["persons.role"] = {"value": "victim"}
        used.add(repeat.xpath)

    candidates = [q for q in form.questions if not q.is_section]
    prepared: dict = {}  # vocabulary → its codes' words, computed once
    geopoints = sum(1 for q in candidates if q.type == "geopoint" and not q.repeat)
    pairs = []
    for target in TARGETS:
        if target in ("persons.repeat", "persons.role") and target in mapping:
            continue
        for q in candidates:
            if not _eligible(form, target, q, repeat.xpath if repeat else ""):
                continue
            score = _question_score(form, target, q)
            if target.startswith("area.") and q.is_select:
                score = max(score, _area_level_score(form, q, int(target[-1])))
            elif target == "coordinates" and geopoints == 1:
                score = max(score, 0.6)  # a form's one geopoint is the place's coordinates
            elif q.is_select and TARGETS[target].vocabulary in EVIDENCE_VOCABULARIES:
                evidence = _choice_evidence(form, target, q, prepared)
                score = max(score, evidence) + 0.1 * min(score, evidence)
            if score >= THRESHOLD:
                pairs.append((score, -form.questions.index(q), target, q))
    pairs.sort(key=lambda p: (p[0], p[1]), reverse=True)
    for _score, _order, target, q in pairs:
        if target in mapping or q.xpath in used:
            continue
        mapping[target] = {"question": q.xpath}
        used.add(q.xpath)

    for target in [t for t in TARGETS if t in mapping]:  # regions before cercles
        entry = mapping[target]
        q = form.question(entry.get("question", ""))
        vocabulary = TARGETS[target].vocabulary
        if q is None or not vocabulary or not q.is_select:
            continue
        entry["choices"] = propose_choices(form, target, q, mapping)
    return mapping


def _propose_repeat(form: FormDefinition) -> Question | None:
    best, best_score = None, 0.0
    for q in form.repeats:
        score = _question_score(form, "persons.repeat", q)
        # A repeat asking sex and age is a list of persons even when its name says nothing.
        inside = [c for c in form.questions if c.repeat == q.xpath]
        personal = sum(
            1
            for c in inside
            if _question_score(form, "persons.sex", c) >= 0.8
            or _question_score(form, "persons.age", c) >= 0.8
        )
        score += 0.3 * min(personal, 2)
        if score > best_score:
            best, best_score = q, score
    return best if best_score >= THRESHOLD else None


# Vocabularies whose codes a question's choices can reveal it maps onto, even when its label
# says nothing recognisable ("Nature de la violation" whose choices are categories).
# Yes / no lists are not: they fit every consent and disability question alike.
EVIDENCE_VOCABULARIES = {
    "category", "perpetrator", "source_type", "reliability", "displacement", "needs",
    "sex", "age_group",
}  # fmt: skip
EVIDENCE_MAX_CHOICES = 60


def _choice_evidence(form: FormDefinition, target: str, q: Question, prepared: dict) -> float:
    """How surely the question's choices are the target's codes: most of them match a code
    well (0.3 + 0.45 × share when at least half do, else 0)."""
    key = ("evidence", q.list_name, TARGETS[target].vocabulary)
    return _memo(key, lambda: _evidence(form, target, q, prepared))


def _evidence(form: FormDefinition, target: str, q: Question, prepared: dict) -> float:
    choices = form.choices(q)
    if not choices or len(choices) > EVIDENCE_MAX_CHOICES:
        return 0.0
    vocabulary = TARGETS[target].vocabulary
    if vocabulary not in prepared:
        prepared[vocabulary] = [_code_words(vocabulary, o) for o in codes(vocabulary)]
    options = prepared[vocabulary]
    strong = 0
    for choice in choices:
        words = _choice_words(choice)
        if max((_match_score(words, o) for o in options), default=0.0) >= 0.75:
            strong += 1
    share = strong / len(choices)
    return 0.3 + 0.45 * share if share >= 0.5 else 0.0


def _choice_words(choice: Choice) -> list[list[str]]:
    def compute():
        out = [tokens(choice.name)]
        out += [tokens(text) for text in choice.labels.values() if text]
        return [w for w in out if w]

    return _memo(("choice_words", id(choice)), compute)


def _code_words(vocabulary: str, code: Code) -> list[list[str]]:
    def compute():
        out = [tokens(label) for label in code.labels]
        out.append(tokens(code.code.rsplit(".", 1)[-1]))
        out += [tokens(s) for s in CHOICE_SYNONYMS.get(vocabulary, {}).get(code.code, ())]
        return [w for w in out if w]

    return _memo(("code_words", vocabulary, code.code), compute)


NEGATIONS = {"non", "no", "not", "pa", "san", "without", "aucun", "none"}  # stems


def _match_score(choice_words: list[list[str]], code_words: list[list[str]]) -> float:
    """The best similarity of a choice's name or labels to a code's labels or synonyms; a
    negated choice ("Non-vivres") matches a code that is not negated only half as well."""
    best = 0.0
    for words in choice_words:
        negated = NEGATIONS & set(words)
        for phrase in code_words:
            score = similarity(phrase, words)
            if negated and len(words) > 1 and not negated & set(phrase):
                score *= 0.5
            best = max(best, score)
    return best


def propose_choices(form: FormDefinition, target: str, q: Question, mapping: dict) -> dict:
    vocabulary = TARGETS[target].vocabulary
    choices = form.choices(q)
    if vocabulary.startswith("area"):
        return _area_choices(form, target, q, choices, mapping)
    options = codes(vocabulary)
    if vocabulary == "category":
        options = _best_framework(choices, options)
    prepared = [(o, _code_words(vocabulary, o)) for o in options]
    out = {}
    for choice in choices:
        words = _choice_words(choice)
        best, best_score = "", 0.0
        for option, option_words in prepared:
            score = _match_score(words, option_words)
            if score > best_score:
                best, best_score = option.code, score
        out[choice.name] = best if best_score >= CHOICE_THRESHOLD else ""
    return out


def _best_framework(choices: list[Choice], options: list[Code]) -> list[Code]:
    """Categories of the one framework (pm, hr, gbv...) the choices match best: a form's
    categories are mapped within one framework, protection monitoring when equal."""
    frameworks: dict[str, list[Code]] = {}
    for option in options:
        frameworks.setdefault(option.code.split(".", 1)[0], []).append(option)
    best, best_total = "pm", -1.0
    for name, members in frameworks.items():
        prepared = [_code_words("category", o) for o in members]
        total = 0.0
        for choice in choices:
            words = _choice_words(choice)
            total += max((_match_score(words, p) for p in prepared), default=0.0)
        if total > best_total + 1e-9 or (abs(total - best_total) < 1e-9 and name == "pm"):
            best, best_total = name, total
    return frameworks.get(best, options)


# -- areas ------------------------------------------------------------------------------------

PCODE = re.compile(r"^[A-Z]{2,3}\d{2,}$")


def _pcode_level(code: str) -> int:
    digits = len(code) - len(code.rstrip("0123456789"))
    return digits // 2


def _area_level_score(form: FormDefinition, q: Question, level: int) -> float:
    """How surely the question's choices are areas of `level`: the share of its choices
    whose name is a P-code of that level, or whose label is the name of such an area."""
    choices = form.choices(q)
    if not choices:
        return 0.0
    names = _area_names(level)
    hits = 0
    for choice in choices[:200]:
        if PCODE.match(choice.name) and _pcode_level(choice.name) == level:
            hits += 1
        elif any(_area_key(t) in names for t in [choice.name, *choice.labels.values()]):
            hits += 1
    share = hits / min(len(choices), 200)
    return 0.6 * share if share >= 0.6 else 0.0


def _area_names(level: int) -> dict[str, list[Code]]:
    """Folded area name → the areas of `level` that bear it."""

    def compute():
        out: dict[str, list[Code]] = {}
        for code in codes(f"area{level}"):
            for label in {_area_key(label) for label in code.labels}:
                out.setdefault(label, []).append(code)
        return out

    return _memo(("area_names", level), compute)


def _area_choices(form, target, q, choices, mapping) -> dict:
    level = int(target[-1]) if target[-1].isdigit() else None
    parent_of: dict[str, str] = {}
    if level and level > 1:
        # The choice_filter's column names the parent level's choice (region=${region}).
        parent_entry = mapping.get(f"area.admin{level - 1}", {})
        parent_q = form.question(parent_entry.get("question", ""))
        parent_choices = parent_entry.get("choices", {})
        if parent_q is not None:
            parent_of = {k: v for k, v in parent_choices.items() if v}
    known = _memo(("area_codes",), lambda: {c.code for c in codes("area")})
    out = {}
    for choice in choices:
        pcode = choice.name.strip().upper()
        if PCODE.match(pcode) and (pcode in known or not known):
            out[choice.name] = pcode
            continue
        found = ""
        levels = [level] if level else [3, 2, 1]
        for lvl in levels:
            names = _area_names(lvl)
            matches: list[Code] = []
            for text in [*choice.labels.values(), choice.name]:
                matches = names.get(_area_key(text), [])
                if matches:
                    break
            if len(matches) > 1 and parent_of:
                parents = {parent_of.get(v) for v in choice.filters.values()} - {None}
                matches = [m for m in matches if m.parent in parents] or matches
            if len(matches) == 1:
                found = matches[0].code
                break
        out[choice.name] = found
    return out


AREA_WORDS = re.compile(
    r"^(?:(?:cercle|region|commune|district|province|prefecture)\s+(?:de|du|d|of)\s+)"
    r"|\s+(?:cercle|region|commune|district)$"
)


def _area_key(text: str) -> str:
    """An area name as compared: folded, without "Cercle de" / "Region of" / "… district",
    spaces and hyphens ignored ("Ti-n-Essako" and "Tin-Essako" are one name)."""
    return AREA_WORDS.sub("", fold(text)).replace(" ", "")


# ---------------------------------------------------------------------------------------------
# Checking a mapping
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingError:
    target: str  # the mapping's key ("" for the mapping as a whole)
    message: object  # lazy, worded when shown
    code: str = "invalid"


def _say(message, **params):
    return lazy(lambda: str(message) % params if params else str(message), str)()


MESSAGES = {
    "shape": _("The mapping is not a table of fields."),
    "target": _("“%(name)s” is not a field Passerelle imports."),
    "empty": _("%(field)s: choose a question or a value."),
    "value": _("%(field)s: “%(code)s” is not one of Passerelle's codes for this field."),
    "question": _("%(field)s: the form has no question “%(question)s”."),
    "type": _(
        "%(field)s: the question “%(question)s” is of type %(type)s, which cannot give this field."
    ),
    "other_repeat": _(
        "%(field)s: the question “%(question)s” is not in the repeat “%(repeat)s” whose "
        "entries are the persons."
    ),
    "no_repeat": _(
        "%(field)s: the question “%(question)s” is in a repeat: choose that repeat as the one "
        "whose entries are the persons."
    ),
    "in_repeat": _(
        "%(field)s: the question “%(question)s” is inside a repeat; an incident field takes "
        "one answer per submission."
    ),
    "choices": _("%(field)s: the choices are not a table."),
    "choice": _("%(field)s: “%(choice)s” is not a choice of the question “%(question)s”."),
    "code": _(
        "%(field)s: “%(code)s” (for the choice “%(choice)s”) is not one of Passerelle's codes "
        "for this field."
    ),
    "area_required": _(
        "The area is required: choose the question giving the region, cercle or commune (the "
        "finest answered is used)."
    ),
    "required": _("%(field)s is required: choose the question that gives it."),
}
USABLE_IGNORED = {"calculate", "today", "start", "end"}  # ignored, yet may give a field


def mapping_errors(form: FormDefinition, mapping: dict) -> list[MappingError]:
    """Everything wrong with a mapping for this form: unknown targets or questions, a
    question of the wrong type or in the wrong repeat, unknown choices or codes, required
    fields (date, area, category) missing."""
    with _memoised():
        return _errors(form, mapping)


def _errors(form: FormDefinition, mapping: dict) -> list[MappingError]:
    errors: list[MappingError] = []

    def add(target, reason, **params):
        if target in TARGETS:
            params.setdefault("field", target_label(target))
        code = "required" if reason == "area_required" else reason
        errors.append(MappingError(target, _say(MESSAGES[reason], **params), code))

    if not isinstance(mapping, dict):
        add("", "shape")
        return errors
    repeat_entry = mapping.get("persons.repeat")
    repeat_q = None
    if isinstance(repeat_entry, dict) and repeat_entry.get("question"):
        repeat_q = form.question(str(repeat_entry["question"]))
    valid_codes: dict[str, set[str]] = {}

    def allowed(vocabulary):
        if vocabulary not in valid_codes:
            valid_codes[vocabulary] = {c.code for c in codes(vocabulary)}
        return valid_codes[vocabulary]

    for target, entry in mapping.items():
        spec = TARGETS.get(target)
        if spec is None:
            add(target, "target", name=target)
            continue
        if not isinstance(entry, dict) or not (entry.get("question") or "value" in entry):
            add(target, "empty")
            continue
        if not entry.get("question"):
            value = str(entry["value"] or "")
            if spec.vocabulary and value and value not in allowed(spec.vocabulary):
                add(target, "value", code=value)
            continue
        q = form.question(str(entry["question"]))
        if q is None:
            add(target, "question", question=entry["question"])
            continue
        if q.type not in spec.types or (q.ignored and q.type not in USABLE_IGNORED):
            add(target, "type", question=q.name, type=q.type)
            continue
        if target != "persons.repeat":
            if spec.person and repeat_q is not None and q.repeat != repeat_q.xpath:
                add(target, "other_repeat", question=q.name, repeat=repeat_q.name)
                continue
            if spec.person and repeat_q is None and q.repeat:
                add(target, "no_repeat", question=q.name)
                continue
            if not spec.person and q.repeat:
                add(target, "in_repeat", question=q.name)
                continue
        choices = entry.get("choices") or {}
        if not isinstance(choices, dict):
            add(target, "choices")
            continue
        names = {c.name for c in form.choices(q)}
        for name, code in choices.items():
            if names and name not in names:
                add(target, "choice", choice=name, question=q.name)
            elif code and spec.vocabulary and str(code) not in allowed(spec.vocabulary):
                add(target, "code", code=code, choice=name)

    present = {t for t, e in mapping.items() if isinstance(e, dict) and t in TARGETS}
    for target in REQUIRED:
        if target == "area":
            if not present & set(AREA_TARGETS):
                add("area", "area_required")
        elif target not in present:
            add(target, "required")
    return errors
