"""Which earlier requests ask the same thing as a new one.

A request's subject and body are reduced to language-independent terms: accents and case
dropped, French and English stop words removed, words stemmed (Snowball) in the language the
text seems written in, and the protection vocabulary of both languages mapped to shared
concepts ("enfants"/"children" → child, "VBG"/"GBV" → gbv), so that a French request and its
English paraphrase share terms. Candidates are compared by the cosine of their TF-IDF vectors.

A candidate is the same request only if it concerns the same place (the same area, or one
within the other) and an overlapping period; the text score is then weighed with the
thematic area and data category. `evaluate()` measures the top suggestion on a fixed set of
request pairs (`evaluation/request_pairs.json`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from passerelle.core.fields import reveal

# A suggestion is shown from this score (chosen on the evaluation set; see evaluate()).
THRESHOLD = 0.40
WEIGHTS = {"text": 0.50, "topic": 0.20, "theme": 0.15, "category": 0.15}
SUBJECT_WEIGHT = 2  # the subject's terms count twice

_STOP = {
    "fr": """a au aux avec ce ces cet cette dans de des du elle en et est etre il ils la le les
    leur leurs lui mais me meme nous on ou par pas pour qu que qui sa se ses son sont sur ta te
    tes toi ton tu un une vos votre vous y d l j n s c qu merci svp possible afin ainsi aussi
    avoir cela celui chaque comme dont donc entre fait faire ici jusqu lors notre nos peut plus
    pouvez pourriez serait sous tout tous toute toutes tres vers via ete sera ont avez nous
    souhaitons souhaiterions besoin demande demandons prie prions bien vouloir partager
    transmettre fournir communiquer disposer cadre concernant relatif relative relatifs
    relatives sujet etc bonjour cordialement""",
    "en": """a an the and or of to in on at by for from with about as is are was were be been
    being it its this that these those we you your our us they them their he she his her not no
    do does did can could would should will shall may might please kindly share provide send
    need needs needed request requests requesting requested like any all each per via into
    within between regarding concerning re also so such than then there here which who whom
    what when where how if etc thanks thank dear hello""",
}
_STOP = {lang: set(words.split()) for lang, words in _STOP.items()}

# Concepts of the protection vocabulary, in French and English (and their abbreviations).
CONCEPTS = {
    "child": "enfant enfants mineur mineurs fille filles garcon garcons child children minor "
    "minors girl girls boy boys juvenile",
    "recruit": "recrutement recrutes recrute recruter enrolement enroles utilisation "
    "recruitment recruited recruiting enlistment enrolled association associated",
    "caafag": "eafga caafag",
    "uasc": "ena accompagnes separes uasc unaccompanied separated",
    "school": "ecole ecoles scolaire scolaires classe classes eleve eleves school schools "
    "classroom education pupil pupils student students",
    "hospital": "hopital hopitaux centre sante cscom csref hospital hospitals clinic health",
    "attack": "attaque attaques attaquer attack attacks attacked assault",
    "occupy": "occupation occupe occupes occupee occupees occupy occupied occupying",
    "kill": "meurtre meurtres tue tues tuee tuees mort morts deces killing killings killed "
    "death deaths dead homicide",
    "maim": "mutilation mutilations mutile mutiles blesse blesses blessure blessures maiming "
    "maimed injured injury injuries wounded",
    "abduct": "enlevement enlevements enleve enleves rapt abduction abductions abducted "
    "kidnapping kidnapped",
    "deny_access": "deni refus acces humanitaire denial access humanitarian",
    "sexual": "sexuel sexuelle sexuelles sexuels sexual",
    "violence": "violence violences violent violation violations abus abuse abuses",
    "rape": "viol viols violee violees rape raped rapes",
    "gbv": "vbg gbv sgbv genre gender",
    "crsv": "vsbc vslc crsv mara conflit conflict",
    "survivor": "survivant survivante survivantes survivants victime victimes survivor "
    "survivors victim victims",
    "woman": "femme femmes woman women feminin female",
    "service": "service services prestataire prestataires provider providers prise charge "
    "care assistance",
    "referral": "reference references referencement orientation orientations referral "
    "referrals refer referred circuit pathway pathways",
    "medical": "medical medicale medicaux medicales soins clinique medicine treatment pep kit",
    "psychosocial": "psychosocial psychosociale psychosociaux psychologique mhpss "
    "psychological counselling counseling",
    "legal": "juridique juridiques judiciaire judiciaires avocat avocats legal lawyer lawyers "
    "paralegal",
    "justice": "justice tribunal tribunaux poursuite poursuites proces impunite juge juges "
    "magistrat magistrats juridiction juridictions court courts prosecution prosecutions trial "
    "impunity accountability judge judges magistrate magistrates",
    "detention": "detention detenu detenus detenues arrestation arrestations arbitraire "
    "detention detained detainee detainees arrest arrests arbitrary prison prisons custody",
    "torture": "torture tortures mauvais traitement traitements ill-treatment mistreatment",
    "disappear": "disparition disparitions disparu disparus disappearance disappearances "
    "disappeared missing",
    "execution": "execution executions extrajudiciaire extrajudiciaires summary extrajudicial",
    "idp": "pdi deplace deplaces deplacee deplacees deplacement idp idps displaced displacement",
    "refugee": "refugie refugies refugiee refugiees refugee refugees asile asylum",
    "return": "retour retours retourne retournes rapatrie rapatries rapatriement return "
    "returns returnee returnees returned repatriation repatriated back",
    "durable": "solutions durables durable solution integration locale reinstallation "
    "resettlement reintegration",
    "document": "papiers acte actes naissance carte identite registration birth certificate "
    "certificates card",
    "land": "terre terres foncier fonciers fonciere litige litiges ltp hlp land property "
    "dispute disputes propriete proprietes",
    "house": "logement logements maison maisons habitation habitations housing house houses "
    "shelter abri abris",
    "mine": "mine mines reg engins explosifs explosive explosives erw uxo ied ordnance "
    "remnants demining deminage",
    "risk_education": "sensibilisation education risque risques awareness risk erm mre",
    "population": "population populations civil civils civile civiles communaute communautes "
    "civilian civilians community communities",
    "threat": "menace menaces threat threats danger insecurite insecurity",
    "protection": "protection proteger protect protective",
    "casualty": "accident accidents casualty casualties",
    "road": "axe axes route routes road roads highway",
    "human_rights": "droit droits homme hommes human right rights",
    "monitor": "monitoring suivi surveillance monitorage monitor monitoring",
    "incident": "incident incidents cas case cases evenement evenements event events",
    "figure": "nombre nombres chiffre chiffres statistique statistiques donnees total totaux "
    "effectif number numbers figure figures statistics statistic data count counts total "
    "totals",
    "list": "liste listes repertoire cartographie mapping list lists directory map",
    "trend": "tendance tendances evolution analyse analyses trend trends analysis overview "
    "apercu bilan summary synthese",
    "report": "rapport rapports rapportage report reports reporting",
    "verify": "verification verifier verifie verifies confirmer confirmation verify verified "
    "verification corroborate confirm",
    "armed": "arme armes armee armees armed arms weapon weapons",
    "group": "groupe groupes group groups",
    "force": "force forces fds fama militaire militaires military soldier soldiers troops",
    "police": "police policier policiers gendarmerie gendarme gendarmes unpol",
    "mission": "mission minusma",
    "advocacy": "plaidoyer advocacy demarche demarches intervention",
    "vacate": "liberer liberation evacuer quitter vacate vacating leave withdraw",
    "visit": "visite visites mission evaluation evaluations assessment assessments visit visits",
    "patrol": "patrouille patrouilles patrol patrols escorte escort escorts",
    "market": "marche marches market markets",
    "food": "vivres nourriture alimentaire food",
    "water": "eau water puits wells",
    "camp": "camp camps site sites",
    "host": "accueil hote hotes host hosting",
    "flow": "mouvement mouvements flux arrivee arrivees movement movements flow flows "
    "arrival arrivals influx",
    "disability": "handicap handicape handicapes handicapees disability disabilities disabled",
    "elderly": "agee agees vieillard vieillards elderly older",
    "training": "formation formations formateur former training trainings train trained",
    "capacity": "capacite capacites capacity capacities",
    "gap": "lacune lacunes manque manques gap gaps absence unmet",
    "need": "besoins need needs",
    "month": "mois mensuel mensuelle month monthly",
    "quarter": "trimestre trimestriel trimestrielle quarter quarterly",
    "week": "semaine hebdomadaire week weekly",
    "year": "annee annuel annuelle year annual yearly",
    "disaggregate": "ventile ventilees ventiles ventilation desagrege desagregees sexe age "
    "disaggregated disaggregation sex breakdown",
    "region": "region regions regional cercle cercles commune communes localite localites "
    "district districts locality",
    "north": "nord north northern septentrional",
    "checkpoint": "checkpoint checkpoints poste postes controle barrage barrages roadblock "
    "roadblocks",
    "extortion": "extorsion racket rackets extortion",
    "cohesion": "cohesion sociale social tension tensions intercommunautaire "
    "intercommunal conflit conflits",
    "ethnic": "ethnique ethniques peul peuls touareg touaregs arabe arabes ethnic",
    "reprisal": "represailles reprisal reprisals revenge vengeance",
    "harm": "dommage dommages harm harms damage",
    "mitigate": "attenuation attenuer mitigation mitigate mitigating",
    "operation": "operation operations offensive offensives",
    "consultation": "consultation consultations consulter consult",
    "meeting": "reunion reunions meeting meetings",
    "focal": "focal focaux point points",
    "mobile": "mobile mobiles",
    "team": "equipe equipes team teams",
    "deploy": "deployer deploiement deploy deployment",
}

# The concepts that name *what* is asked about (children recruited, schools occupied, civil
# documents, legal aid...), as opposed to how it is asked (figures, a list, a report) or
# words that qualify it (armed, group, population). Two requests on the same place, period
# and theme that share few of these ask different things, however many other words they
# share: the topic score is the Jaccard index of the two sets.
TOPICS = frozenset(
    """child recruit caafag uasc school hospital occupy kill maim abduct deny_access rape
    sexual gbv crsv medical psychosocial legal justice detention torture disappear execution
    idp refugee return durable document land house mine risk_education service referral
    training checkpoint extortion cohesion patrol food water disability elderly flow
    human_rights woman reprisal camp host market capacity gap casualty road""".split()
)

# Concepts that carry others: children associated with armed forces or groups are children
# recruited; unaccompanied or separated children are children; mine-risk education is about
# mines.
EXPANSIONS = {"caafag": ("child", "recruit"), "uasc": ("child",), "risk_education": ("mine",)}

_WORD = re.compile(r"[a-z0-9]+")

# Where and when a request is about is compared on its fields (the area and period gates
# above): in the text, place names, months, years and quarters say nothing of *what* is asked,
# and two different asks about the same place and season would look alike through them.
_MONTHS = set(
    """janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    january february march april june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec""".split()
)
_WHEN_WHERE = re.compile(r"^(?:(?:19|20)\d\d|[tqsh][1-4]|\d{1,2}(?:er)?)$")
_CONTEXT_CONCEPTS = {"region", "month", "quarter", "week", "year", "north"}
_PLACE_NAMES = Path(__file__).resolve().parents[1] / "geography" / "data" / "mali" / "names.csv"


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("'", " ")


@lru_cache(maxsize=2)
def _stemmer(lang: str):
    return snowballstemmer.stemmer("french" if lang == "fr" else "english")


@lru_cache(maxsize=1)
def _concepts() -> dict[str, str]:
    """Word forms, and their French and English stems, → concept."""
    table = {}
    for concept, words in CONCEPTS.items():
        for word in words.split():
            for form in (word, _stemmer("fr").stemWord(word), _stemmer("en").stemWord(word)):
                if len(form) >= 2:
                    table.setdefault(form, concept)
    return table


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """The words of Mali's region and cercle names, in French and English."""
    with _PLACE_NAMES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return frozenset(
        word
        for row in rows
        for name in (row["name_fr"], row["name_en"])
        for word in _WORD.findall(_plain(name))
        if len(word) > 2
    )


def _context(word: str) -> bool:
    return word in _MONTHS or word in _places() or bool(_WHEN_WHERE.match(word))


def language(words: list[str]) -> str:
    """ "fr" or "en", by which language's stop words the text uses more."""
    fr = sum(w in _STOP["fr"] for w in words)
    en = sum(w in _STOP["en"] for w in words)
    return "en" if en > fr else "fr"


def terms(text: str) -> list[str]:
    """The text's terms: concepts where the vocabulary knows the word, stems otherwise."""
    words = _WORD.findall(_plain(text or ""))
    lang = language(words)
    concepts = _concepts()
    stop = _STOP["fr"] | _STOP["en"]
    out = []
    for word in words:
        if word in stop or len(word) < 2 or _context(word):
            continue
        concept = concepts.get(word)
        if concept is None and not word.isdigit():
            stem = _stemmer(lang).stemWord(word)
            concept = concepts.get(stem)
            if concept is None:
                out.append(stem)
                continue
        if concept is None:
            out.append(word)
        elif concept not in _CONTEXT_CONCEPTS:
            out.append("#" + concept)
            out.extend("#" + extra for extra in EXPANSIONS.get(concept, ()))
    return out


BODY_MARK = "|"  # between the subject's terms and the body's in `Request.terms`


def request_terms(subject: str, body: str) -> str:
    """What `Request.terms` stores: the subject's terms twice, a mark, then the body's (empty
    when neither has any term)."""
    head, tail = terms(subject), terms(body)
    if not head and not tail:
        return ""
    return " ".join([*head * SUBJECT_WEIGHT, BODY_MARK, *tail])


def split_terms(stored: str) -> tuple[list[str], list[str]]:
    """(the subject's terms, all the terms) of a stored `terms` string; the subject's are
    unknown (empty) in a string written without the mark."""
    words = stored.split()
    if BODY_MARK not in words:
        return [], words
    mark = words.index(BODY_MARK)
    return words[:mark], words[:mark] + words[mark + 1 :]


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Draft:
    """What is compared: a request being written, or an earlier one."""

    terms: str
    thematic_area: int | str | None
    data_category: str
    area_pcode: str
    period_start: dt.date | None
    period_end: dt.date | None
    key: object = None

    @classmethod
    def of(cls, request) -> Draft:
        return cls(
            terms=request.terms or request_terms(request.subject, reveal(request.body)),
            thematic_area=request.thematic_area_id,
            data_category=request.data_category,
            area_pcode=request.area.pcode,
            period_start=request.period_start,
            period_end=request.period_end,
            key=request,
        )


def same_place(a: str, b: str) -> bool:
    """The same area, or one within the other (P-code prefix)."""
    return a.startswith(b) or b.startswith(a)


def periods_overlap(a: Draft, b: Draft) -> bool:
    """Overlapping periods; an open end or a missing period overlaps everything."""
    a_start, a_end = a.period_start or dt.date.min, a.period_end or dt.date.max
    b_start, b_end = b.period_start or dt.date.min, b.period_end or dt.date.max
    return a_start <= b_end and b_start <= a_end


def _vector(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1 + math.log(n)) * idf.get(t, 0.0) for t, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _idf(documents: list[Counter]) -> dict[str, float]:
    df = Counter()
    for doc in documents:
        df.update(doc.keys())
    n = len(documents)
    return {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}


@dataclass(frozen=True)
class Suggestion:
    candidate: object
    score: float
    text: float
    topic: float = 0.0


def topics(words: list[str]) -> frozenset[str]:
    return frozenset(t[1:] for t in words if t.startswith("#") and t[1:] in TOPICS)


def topic_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard index of two topic sets (0 when neither names a topic: no evidence)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def rank(draft: Draft, candidates: list[Draft], *, threshold: float = THRESHOLD, limit: int = 5):
    """Candidates that ask the same thing as the draft, best first, from `threshold`."""
    split = [split_terms(c.terms) for c in candidates]
    counts = [Counter(words) for _subject, words in split]
    qsubject, qwords = split_terms(draft.terms)
    query = Counter(qwords)
    idf = _idf([*counts, query])
    qvec = _vector(query, idf)
    qtopics, qsubject_topics = topics(qwords), topics(qsubject)
    found = []
    for candidate, count, (csubject, cwords) in zip(candidates, counts, split, strict=True):
        if not same_place(draft.area_pcode, candidate.area_pcode):
            continue
        if not periods_overlap(draft, candidate):
            continue
        if query.keys().isdisjoint(count):
            continue  # not one term in common: whatever the fields, another ask
        cvec = _vector(count, idf)
        text = sum(w * cvec.get(t, 0.0) for t, w in qvec.items())
        csubject_topics = topics(csubject)
        if qsubject_topics and csubject_topics and qsubject_topics.isdisjoint(csubject_topics):
            continue  # both subjects say what they ask about, and it is not the same thing
        topic = topic_overlap(qtopics, topics(cwords))
        score = WEIGHTS["text"] * text + WEIGHTS["topic"] * topic
        score += WEIGHTS["theme"] * (draft.thematic_area == candidate.thematic_area)
        score += WEIGHTS["category"] * bool(
            draft.data_category and draft.data_category == candidate.data_category
        )
        if score >= threshold:
            found.append(
                Suggestion(candidate.key, round(score, 3), round(text, 3), round(topic, 3))
            )
    found.sort(key=lambda s: -s.score)
    return found[:limit]
