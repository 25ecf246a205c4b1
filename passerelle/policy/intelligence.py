"""Does a request ask for intelligence rather than protection information? A transparent
rule classifier of WHAT is asked, in French and English.

Information sharing is not intelligence gathering (DESIGN.md, principle 3). A phrase list is
passed by a paraphrase ("where armed groups are based around Gao"), so the classifier looks
for what the request asks about armed actors, whatever the words:

- **location**: where they are, are based, sleep, hide (où, where, positions, camps, GPS...);
- **movement**: how and when they move (movements, routes, convoys, passages, at what time);
- **strength**: how many they are (how many fighters, effectifs, strength);
- **weapons**: their weapons and where they are kept (armes, munitions, caches, depots);
- **identity**: who fighters, their leaders or their helpers are (names, lists, informants,
  collaborators, families whose sons fight, villagers who inform them, hierarchy);
- **logistics**: how they are supplied or equipped (fuel, food, vehicles, wells, phones);
- **plans**: what they intend to do (plans, next attack, return);
- **explicit**: intelligence gathering, military targeting, airstrikes, named as such.

Words are compared without case or accents (except where an accent tells two words apart:
French *où*/*ou*, *armés*/*armes*) and by their beginnings, so one entry covers the forms of
a word in both languages (`combatt` — combattant, combattants, combattre). An armed actor
counts only as the subject of what is asked: in a sentence about harm ("civilians killed BY
armed groups", "children released FROM armed groups", "attributed TO", "armed men BURNED"),
the actor is the perpetrator and statistics about the harm are protection information; former
fighters (ex-combatants, DDR) and fighters' relatives ("fighters' children") are people to
assist.

`classify(*texts)` returns findings, each with its kind and the words of the request that
show it: the reason given to the asker is human-readable and names their own words. Measured
on hand-written requests (inforequests/evaluation/intelligence_*.json, see
`passerelle.inforequests.evaluation.intelligence`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------- lexicon

# Armed actors, one word (beginnings of words, accents removed).
ACTOR_WORDS = (
    "combattant", "combatant", "fighter", "milice", "milicien", "militia", "rebel",
    "insurg", "jihadist", "djihadist", "terroris", "katiba", "jnim", "eigs", "isgs",
    "assaillant", "assailant", "gunm", "troop", "troupe", "soldat", "soldier", "fama",
    "commandant", "commander", "mujao", "ansar", "aqmi", "mnla", "hcua", "gatia", "boko",
    "kidnapper", "ravisseur", "emir", "preneur", "hostage-taker",
)  # fmt: skip
# Armed actors, two words in a row (or with one word between: "forces et groupes armés").
ACTOR_PAIRS = (
    ("arm", "group"), ("group", "arm"), ("homme", "arm"), ("armed", "men"), ("armed", "man"),
    ("element", "arm"), ("convoi", "arm"), ("armed", "convoy"), ("vehicul", "arm"),
    ("armed", "vehicl"), ("bandit", "arm"), ("armed", "bandit"), ("forc", "arm"),
    ("armed", "forc"), ("state", "arm"), ("colonn", "vehicul"), ("cellul", "jihad"),
    ("etat", "islam"), ("islamic", "state"), ("homme", "brousse"), ("gen", "brousse"),
    ("people", "bush"), ("men", "bush"), ("men", "gun"), ("homme", "arm"), ("acteur", "arm"),
    ("armed", "actor"),
)  # fmt: skip
# "the group" alone is an armed actor ("le groupe utilise-t-il..."), not "the group of".
BARE_GROUP = ("the", "le", "ce", "this", "that", "du", "au")
# Words that make an actor a victim's relative, a former fighter, or the origin of harm.
FORMER = ("ex", "former", "formerly", "ancien", "anciennement", "demobilis", "surrender")
PROTECTION_CONTEXT = ("ddr", "reintegr", "reinsert", "demobilis", "surrender", "rendu",
                      "ex combattant")  # fmt: skip
# Harm done by the actor: "armed groups attack", "des hommes armés ont brûlé".
HARM_VERBS = (
    "attack", "attaqu", "kill", "tuent", "tue", "burn", "burned", "brul", "abduct", "enlev",
    "loot", "pill", "rape", "viol", "destroy", "detrui", "threat", "menac", "recruit",
    "recrut", "occup", "commis", "commit", "ont", "have",
)  # fmt: skip
# Before an actor, words that make it the perpetrator or the origin of harm, not the subject.
AGENTIVE = ("by", "par", "attribu", "associ", "recrut", "recruit", "from", "liber", "releas")
# A sentence about harm or victims: an agentive actor there is the perpetrator.
HARM = (
    "attack", "attaqu", "kill", "tue", "meurtr", "injur", "bless", "victim", "civil", "child",
    "enfant", "recrut", "recruit", "violation", "abduct", "enlev", "viol", "rape", "released",
    "liber", "displac", "deplac", "school", "ecole", "health", "sante", "incident", "cas",
    "case", "abus",
)  # fmt: skip

LOCATION = (
    "where", "whereabout", "location", "localis", "locat", "position", "emplacement", "based",
    "base", "install", "station", "camp", "hideout", "repaire", "hide", "hiding", "cach",
    "gps", "sleep", "dorm", "night", "nuit", "lieu", "checkpoint", "barrag", "refug",
    "present", "operat", "opere", "seen", "spotted", "sighted", "apercu", "visit", "regroup",
    "rassembl", "gather", "headquarter", "qg", "hold", "holding", "detien", "forest", "foret",
)  # fmt: skip
# What keeps armed actors going: supplies, fuel, vehicles, water, telephones.
LOGISTICS = (
    "fuel", "carburant", "essence", "vivres", "food", "ravitaill", "supplie", "supply",
    "vehicle", "vehicul", "moto", "motorbike", "plate", "plaque", "puits", "well", "water",
    "eau", "telephone", "phone", "money", "argent", "financ",
)  # fmt: skip
# What armed actors intend to do.
PLANS = ("plan", "prevoi", "prevo", "intend", "intention", "compte", "next", "prochain",
         "return", "revenir", "attaquer")  # fmt: skip
MOVEMENT = (
    "movement", "mouvement", "deplacement", "travel", "voyag", "move", "moving", "route",
    "road", "piste", "itinerair", "passag", "pass", "travers", "cross", "convoy", "convoi",
    "heading", "dirig", "emprunt", "take", "leave", "quitt", "heure", "time", "sighting",
    "patrol", "patrouill",
)  # fmt: skip
COUNT = ("how many", "combien", "number of", "nombre de", "nombre d", "estimat", "strength",
         "effectif", "size of", "taille")  # fmt: skip
WEAPONS = ("weapon", "arms", "armement", "munition", "ammunition", "arsenal", "fusil", "rifle",
           "mortier", "mortar", "explosif stock")  # fmt: skip
STORE = ("cach", "hide", "depot", "stock", "store", "arsenal", "where", "kept", "garde")
WEAPON_QUESTION = ("what", "which", "kind", "type", "quel", "possed", "have", "carry", "port",
                   "seen", "vu")  # fmt: skip
IDENTITY = (
    "name", "nom", "identit", "identif", "who", "qui", "list", "liste", "phone", "numero",
    "telephone", "which", "quel", "know", "savoir",
)  # fmt: skip
# People whose identity is asked: fighters' helpers and leaders, suspects.
HELPERS = (
    "informant", "informateur", "collabor", "cooperat", "support", "soutien", "soutienn",
    "sympathi", "link", "lien", "joined", "rejoint", "rejoign", "lead", "dirig", "chef",
    "leader", "commandant", "commander", "renseign", "suspect", "perpetrator", "auteur",
    "fight", "combatt", "combatant", "order", "ordre", "hierarch", "organis", "emir",
    "command", "close", "proch", "guard", "gard",
)  # fmt: skip
HELPER_NOUNS = ("informant", "informateur", "collaborat", "sympathis", "suspect", "perpetrator",
                "combatant", "combattant", "auteurs presum")  # fmt: skip
EXPLICIT = (
    ("intelligence",), ("renseignement", "militair"), ("collecte", "de", "renseignement"),
    ("recherche", "de", "renseignement"), ("fin", "de", "renseignement"),
    ("military", "target"), ("ciblage", "militair"), ("airstrik",), ("air", "strik"),
    ("frapp", "aerien"), ("target", "list"), ("liste", "de", "cible"),
)  # fmt: skip
NOT_EXPLICIT = (("artificial", "intelligence"), ("intelligence", "artificiel"))

WINDOW = 8  # words between what is asked and the actor it is asked about

KINDS = {
    "explicit": _("for intelligence gathering or targeting"),
    "location": _("where armed actors are"),
    "movement": _("how or when armed actors move"),
    "strength": _("how many armed actors there are"),
    "weapons": _("about weapons and where they are kept"),
    "identity": _("who fighters, their leaders or their helpers are"),
    "logistics": _("how armed actors are supplied or equipped"),
    "plans": _("what armed actors plan to do"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of KINDS
    phrase: str  # the request's own words that show it

    @property
    def what(self) -> str:
        return str(KINDS[self.kind])


# --------------------------------------------------------------------------- words


@dataclass(frozen=True)
class _Word:
    plain: str  # lower case, no accents
    raw: str  # as written (lower case)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _sentences(text: str) -> list[list[_Word]]:
    out = []
    for sentence in re.split(r"[.?!;:\n]+", text or ""):
        words = [_Word(_plain(w), w) for w in re.findall(r"\w+", sentence.lower())]
        words = [w for w in words if w.plain not in ("d", "l", "s", "qu")]
        if words:
            out.append(words)
    return out


def _starts(word: _Word, stems) -> bool:
    return any(word.plain.startswith(stem) for stem in stems)


def _is_weapon(words: list[_Word], i: int) -> bool:
    word = words[i]
    if _starts(word, WEAPONS) and word.plain != "armed":
        return True
    if word.plain in ("arme", "armes") and "é" not in word.raw:
        previous = words[i - 1].plain if i else ""
        return not previous.startswith(("group", "homme", "element", "vehicul", "convoi",
                                        "forc", "bandit", "civil"))  # fmt: skip
    return False


def _actors(words: list[_Word]) -> list[tuple[int, int]]:
    """Spans (start, end) of armed actors that are the subject of the sentence."""
    harm = any(_starts(w, HARM) for w in words)
    plain = " ".join(w.plain for w in words)
    context = any(term in plain for term in PROTECTION_CONTEXT)
    spans = []
    for i, word in enumerate(words):
        span = None
        if _starts(word, ACTOR_WORDS):
            span = (i, i + 1)
        elif word.plain in ("group", "groupe") and i and words[i - 1].plain in BARE_GROUP:
            following = words[i + 1].plain if i + 1 < len(words) else ""
            if following not in ("of", "de", "des", "du") and not following.startswith("arm"):
                span = (i, i + 1)  # "the group", "le groupe": an armed group named before
        if span is None:
            for first, second in ACTOR_PAIRS:
                if not word.plain.startswith(first):
                    continue
                for gap in (1, 2, 3):
                    if i + gap < len(words) and words[i + gap].plain.startswith(second):
                        if second == "arm" and _is_weapon(words, i + gap):
                            continue
                        span = (i, i + gap + 1)
                        break
                if span:
                    break
        if span is None:
            continue
        before = words[max(0, span[0] - 3) : span[0]]
        after = words[span[1] : span[1] + 2]
        if harm and any(_starts(w, AGENTIVE) for w in before):
            continue  # the perpetrator of the harm counted, not the subject of the question
        if any(_starts(w, FORMER) for w in words[max(0, span[0] - 2) : span[0]]):
            continue  # former fighters are people to assist
        if after and (_starts(after[0], HARM_VERBS) or (harm and _starts(after[0], HARM))):
            continue  # "armed men burned...", "fighters' children": harm or its victims
        if context:
            continue
        spans.append(span)
    return spans


def _phrase(words: list[_Word], start: int, end: int) -> str:
    return " ".join(w.raw for w in words[max(0, start) : end])


def _near(i: int, spans, window: int = WINDOW):
    for start, end in spans:
        if start - window <= i < end + window and not start <= i < end:
            return (start, end)
    return None


def _sequence_at(words, i, sequence) -> bool:
    return i + len(sequence) <= len(words) and all(
        words[i + n].plain.startswith(part) for n, part in enumerate(sequence)
    )


def _classify_sentence(words: list[_Word]) -> list[Finding]:
    found = []

    def add(kind, i, span=None):
        start, end = (min(i, span[0]), max(i + 1, span[1])) if span else (i, i + 1)
        found.append(Finding(kind, _phrase(words, start, end)))

    plain = " ".join(w.plain for w in words)
    for i in range(len(words)):
        for sequence in EXPLICIT:
            if _sequence_at(words, i, sequence) and not any(
                _sequence_at(words, j, exception)
                for exception in NOT_EXPLICIT
                for j in range(max(0, i - 1), i + 1)
            ):
                add("explicit", i, (i, i + len(sequence)))
    actors = _actors(words)
    for i, word in enumerate(words):
        if any(start <= i < end for start, end in actors):
            continue
        if word.raw == "où" or (word.plain != "ou" and _starts(word, LOCATION)):
            span = _near(i, actors)
            if span:
                add("location", i, span)
        if _starts(word, MOVEMENT):
            span = _near(i, actors)
            if span:
                add("movement", i, span)
        if _starts(word, LOGISTICS):
            span = _near(i, actors)
            if span:
                add("logistics", i, span)
        if _starts(word, PLANS):
            span = _near(i, actors, 4)
            if span:
                add("plans", i, span)
        if _is_weapon(words, i):
            span = _near(i, actors)
            store = [j for j in range(max(0, i - 4), min(len(words), i + 5))
                     if j != i and (_starts(words[j], STORE) or words[j].raw == "où")]  # fmt: skip
            asked = [j for j in range(max(0, i - 3), i)
                     if _starts(words[j], WEAPON_QUESTION)]  # fmt: skip
            if span:
                add("weapons", i, span)
            elif store:
                add("weapons", min(i, store[0]), (min(i, store[0]), max(i, store[0]) + 1))
            elif asked:
                add("weapons", asked[0], (asked[0], i + 1))
    # strength: a count word just before an actor, or "effectifs"/"strength" near one
    for start, end in actors:
        before = " ".join(w.plain for w in words[max(0, start - 4) : start])
        if any(count in before for count in COUNT):
            add("strength", max(0, start - 4), (start, end))
    for i, word in enumerate(words):
        if word.plain.startswith(("effectif", "strength")) and _near(i, actors):
            add("strength", i, _near(i, actors))
    # identity: who / names / lists of fighters, leaders, helpers
    helpers = [i for i, w in enumerate(words) if _starts(w, HELPERS)]
    askers = [i for i, w in enumerate(words) if _starts(w, IDENTITY) or w.raw == "qui"]
    for i in askers:
        for j in helpers:
            if abs(i - j) <= WINDOW and i != j:
                if _starts(words[j], HELPER_NOUNS) or _near(j, actors) or _near(i, actors):
                    add("identity", min(i, j), (min(i, j), max(i, j) + 1))
                    break
    if "caches d armes" in plain or "arms caches" in plain or "weapons caches" in plain:
        i = next(n for n, w in enumerate(words) if w.plain.startswith(("cach", "arm", "weap")))
        add("weapons", i, (i, i + 3))
    return found


def classify(*texts: str) -> list[Finding]:
    """What of intelligence the texts ask for, one finding per kind (empty: nothing)."""
    found: dict[str, Finding] = {}
    for text in texts:
        for words in _sentences(text):
            for finding in _classify_sentence(words):
                found.setdefault(finding.kind, finding)
    return list(found.values())


def reads_as_intelligence(*texts: str) -> bool:
    return bool(classify(*texts))
