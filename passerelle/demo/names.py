"""Fictional names for the demonstration data (pure data and small helpers, no Django).

Every person of the demo is invented: names are drawn at random from first names and family
names common in Mali's communities, and the combinations of well-known public figures are
refused. The participants and interlocutors listed in the annexes of the 2013 joint protection
mission report are real people: none of their names, and none of their family names, is used
here (that is why Traoré, although Mali's most common family name, is absent).
"""

from __future__ import annotations

import unicodedata

# --------------------------------------------------------------------------------------------
# Communities: first names (male, female) and family names
# --------------------------------------------------------------------------------------------

BAMBARA = "bambara"  # Bambara / Malinké
PEUL = "peul"  # Peul / Fulani
SONGHAI = "songhai"
TAMASHEQ = "tamasheq"
ARAB = "arab"
DOGON = "dogon"
SONINKE = "soninke"
BOZO = "bozo"

# Communities whose names are "<first name> Ag/Walet <father's first name>" (Tamasheq) or
# "<first name> Ould/Mint <father's first name>" (Arab) rather than a family name.
PATRONYMIC = {TAMASHEQ: ("Ag", "Walet"), ARAB: ("Ould", "Mint")}

COMMUNITIES = {
    BAMBARA: {
        "male": [
            "Amadou",
            "Moussa",
            "Bakary",
            "Seydou",
            "Adama",
            "Mamadou",
            "Drissa",
            "Yacouba",
            "Siaka",
            "Lassina",
            "Issa",
            "Daouda",
            "Karim",
            "Sidiki",
            "Oumar",
            "Boubacar",
            "Fousseyni",
            "Brahima",
            "Madou",
            "Zoumana",
            "Tiémoko",
            "Nouhoum",
            "Sory",
            "Dramane",
        ],
        "female": [
            "Fatoumata",
            "Aminata",
            "Mariam",
            "Hawa",
            "Kadiatou",
            "Awa",
            "Salimata",
            "Assitan",
            "Djénéba",
            "Nana",
            "Bintou",
            "Korotoumou",
            "Kadidia",
            "Sitan",
            "Maïmouna",
            "Fanta",
            "Mah",
            "Sanata",
            "Oumou",
            "Rokiatou",
        ],
        "family": [
            "Coulibaly",
            "Diarra",
            "Keïta",
            "Konaté",
            "Camara",
            "Doumbia",
            "Sangaré",
            "Dembélé",
            "Koné",
            "Samaké",
            "Diakité",
            "Mariko",
            "Fané",
            "Dao",
            "Sogoba",
            "Kouyaté",
        ],
    },
    PEUL: {
        "male": [
            "Amadou",
            "Boubacar",
            "Hamadoun",
            "Oumar",
            "Ousmane",
            "Allaye",
            "Hama",
            "Mamoudou",
            "Abdoul",
            "Bocar",
            "Hassane",
            "Belco",
            "Sambo",
            "Yéro",
            "Samba",
            "Hamidou",
            "Bouréma",
            "Aly",
        ],
        "female": [
            "Kadidiatou",
            "Aïssata",
            "Fatoumata",
            "Hawa",
            "Mariam",
            "Coumba",
            "Dado",
            "Aminata",
            "Ramata",
            "Néné",
            "Bintou",
            "Djénéba",
            "Hadiza",
            "Fanta",
            "Penda",
            "Diaka",
        ],
        "family": ["Diallo", "Barry", "Bah", "Sow", "Cissé", "Sidibé", "Dicko", "Tall"],
    },
    SONGHAI: {
        "male": [
            "Alhousseini",
            "Mahamane",
            "Oumarou",
            "Hamidou",
            "Boubacar",
            "Ibrahim",
            "Moussa",
            "Amadou",
            "Baba",
            "Hamma",
            "Alassane",
            "Idrissa",
            "Issoufi",
            "Mahamadou",
            "Garba",
            "Harouna",
            "Seydou",
            "Almahdi",
            "Abdourhamane",
            "Hamadou",
        ],
        "female": [
            "Aïssata",
            "Fadimata",
            "Kadidiatou",
            "Mariam",
            "Safiatou",
            "Haoua",
            "Zeinabou",
            "Hadizatou",
            "Fatimata",
            "Mariama",
            "Aminatou",
            "Ramatou",
            "Salamatou",
            "Kadija",
            "Assana",
        ],
        "family": ["Maïga", "Touré", "Haïdara", "Cissé", "Yattara", "Tandina", "Arby", "Baby"],
    },
    TAMASHEQ: {
        "male": [
            "Rhissa",
            "Intalla",
            "Alhousseini",
            "Mohamed",
            "Ahmed",
            "Attaher",
            "Assaleh",
            "Aghaly",
            "Akly",
            "Hamadi",
            "Elmoctar",
            "Ibrahim",
            "Moussa",
            "Abdallah",
            "Alhassane",
            "Mahamadou",
            "Baye",
            "Ousmane",
            "Almoustapha",
            "Hamada",
        ],
        "female": [
            "Fadimata",
            "Aïchata",
            "Mariam",
            "Lalla",
            "Zeinabou",
            "Mariama",
            "Khadija",
            "Fatouma",
            "Raïchatou",
            "Tata",
            "Aminatou",
            "Safia",
            "Hadjara",
        ],
        # Fathers' first names used after "Ag" / "Walet" (Intalla left out on purpose).
        "fathers": [
            "Mohamed",
            "Ahmed",
            "Attayoub",
            "Assaleh",
            "Aghaly",
            "Akly",
            "Hamadi",
            "Elmoctar",
            "Ibrahim",
            "Alhassane",
            "Almoustapha",
            "Mossa",
            "Baye",
            "Hamada",
            "Alkassoum",
            "Abdallah",
            "Rhissa",
            "Ehia",
            "Infa",
            "Sidi",
        ],
    },
    ARAB: {
        "male": [
            "Mohamed",
            "Sidi",
            "Ahmed",
            "Hamoud",
            "Baba",
            "Moulaye",
            "Cheikh",
            "Abdallahi",
            "Mahmoud",
            "Ely",
            "Elhadj",
            "Mohamed Lamine",
            "Sidi Mohamed",
            "Oumar",
        ],
        "female": [
            "Aïchata",
            "Fatimetou",
            "Mariem",
            "Zahra",
            "Khadijetou",
            "Lalla",
            "Meimouna",
            "Salka",
            "Noura",
            "Aminetou",
            "Zeinabou",
            "Mahjouba",
        ],
        "fathers": [
            "Sidi",
            "Ahmed",
            "Moulaye",
            "Baba",
            "Cheikh",
            "Abdallahi",
            "Mahmoud",
            "Ely",
            "Hamoud",
            "Mohamed",
            "Elhadj",
            "Bady",
            "Mohamedou",
            "Salem",
        ],
    },
    DOGON: {
        "male": [
            "Amadou",
            "Ousmane",
            "Seydou",
            "Yacouba",
            "Issa",
            "Boureïma",
            "Moussa",
            "Ali",
            "Hamadoun",
            "Allaye",
            "Antimbé",
            "Ogobara",
            "Mamadou",
            "Yagouba",
            "Dramane",
            "Pierre",
            "Joseph",
        ],
        "female": [
            "Aïssata",
            "Kadidia",
            "Awa",
            "Mariam",
            "Fatoumata",
            "Hawa",
            "Aminata",
            "Djénéba",
            "Kadia",
            "Marie",
            "Assanatou",
        ],
        "family": [
            "Dolo",
            "Guindo",
            "Togo",
            "Saye",
            "Kassogué",
            "Tembely",
            "Ongoïba",
            "Poudiougou",
            "Karambé",
            "Kodio",
        ],
    },
    SONINKE: {
        "male": [
            "Mamadou",
            "Samba",
            "Demba",
            "Bakary",
            "Hamady",
            "Moussa",
            "Sidy",
            "Ousmane",
            "Diadié",
            "Kaba",
            "Mahamadou",
            "Fodé",
            "Siré",
        ],
        "female": [
            "Coumba",
            "Fatoumata",
            "Sira",
            "Kadiatou",
            "Mariam",
            "Hawa",
            "Assa",
            "Djénéba",
            "Tacko",
            "Maïmouna",
            "Dianka",
        ],
        "family": ["Sylla", "Doucouré", "Sacko", "Kanouté", "Tounkara", "Dramé", "Soumaré"],
    },
    BOZO: {
        "male": [
            "Amadou",
            "Bakary",
            "Mamadou",
            "Sidiki",
            "Hamadi",
            "Moussa",
            "Nouhoum",
            "Bréhima",
            "Oumar",
            "Salif",
        ],
        "female": ["Kadidia", "Fanta", "Mariam", "Awa", "Assitan", "Aminata", "Hawa", "Nana"],
        "family": ["Tapo", "Kanta", "Nientao", "Karabenta", "Kononta", "Djénépo"],
    },
}

# Which communities live where (region P-code → weights).
REGION_COMMUNITIES = {
    "ML01": {SONINKE: 45, BAMBARA: 35, PEUL: 20},
    "ML02": {BAMBARA: 60, PEUL: 15, SONINKE: 15, SONGHAI: 5, BOZO: 5},
    "ML03": {BAMBARA: 70, PEUL: 20, SONINKE: 5, DOGON: 5},
    "ML04": {BAMBARA: 50, PEUL: 20, BOZO: 12, SONINKE: 10, SONGHAI: 8},
    "ML05": {PEUL: 35, DOGON: 30, BOZO: 12, BAMBARA: 13, SONGHAI: 10},
    "ML06": {SONGHAI: 38, TAMASHEQ: 25, ARAB: 14, PEUL: 10, BAMBARA: 8, BOZO: 5},
    "ML07": {SONGHAI: 52, TAMASHEQ: 15, PEUL: 12, ARAB: 6, BAMBARA: 10, BOZO: 5},
    "ML08": {TAMASHEQ: 75, ARAB: 12, SONGHAI: 13},
    "ML09": {
        BAMBARA: 40,
        PEUL: 14,
        SONGHAI: 16,
        SONINKE: 10,
        DOGON: 6,
        TAMASHEQ: 7,
        ARAB: 4,
        BOZO: 3,
    },
    "ML10": {TAMASHEQ: 55, SONGHAI: 20, PEUL: 20, ARAB: 5},
}

# Well-known public figures: a generated name equal to one of these is drawn again.
PUBLIC_FIGURES = [
    "Modibo Keïta",
    "Salif Keïta",
    "Seydou Keïta",
    "Soumaïla Cissé",
    "Boubou Cissé",
    "Oumou Sangaré",
    "Mariam Doumbia",
    "Amadou Bagayoko",
    "Sékou Touré",
    "Mahamadou Diarra",
    "Moussa Dembélé",
    "Ousmane Dembélé",
    "Amadou Haïdara",
    "Intalla Ag Attaher",
    "Mohamed Ag Intalla",
    "Alghabass Ag Intalla",
    "Iyad Ag Ghaly",
    "Bilal Ag Acherif",
    "Mohamed Ag Najim",
    "Ibrahim Ag Bahanga",
    "Moussa Ag Assarid",
    "Hama Ag Mahmoud",
    "Amadou Koufa",
    "Moussa Mara",
    "Cheick Modibo Diarra",
    "Omar Ould Hamaha",
    "Sanda Ould Bouamama",
    "Ahmada Ag Bibi",
    "Habib Koité",
    "Toumani Diabaté",
    "Fatoumata Diawara",
    "Rokia Traoré",
    "Aminata Traoré",
    "Dioncounda Traoré",
    "Boncana Maïga",
    "Choguel Maïga",
    "Assimi Goïta",
    "Tiébilé Dramé",
]


def normalise(text: str) -> str:
    """Lower case without accents or punctuation, for comparisons."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


_REFUSED = {normalise(n) for n in PUBLIC_FIGURES}


# --------------------------------------------------------------------------------------------
# Demo staff (fictional): username → first name, last name
# --------------------------------------------------------------------------------------------

STAFF_NAMES = {
    "drc.monitor": ("Kadidiatou", "Sow"),
    "drc.viewer": ("Henrik", "Aagaard"),
    "drc.case_worker": ("Salimata", "Diakité"),
    "drc.verifier": ("Ibrahim", "Maïga"),
    "drc.im_officer": ("Line", "Kjærgaard"),
    "drc.focal_point": ("Ramata", "Dolo"),
    "drc.admin": ("Søren", "Vestergaard"),
    "unhcr.monitor": ("Hamidou", "Yattara"),
    "unhcr.verifier": ("Nadia", "Benali"),
    "unhcr.im_officer": ("Tomasz", "Wójcik"),
    "unhcr.admin": ("Claire", "Dumoulin"),
    "oxfam.monitor": ("Fanta", "Samaké"),
    "oxfam.verifier": ("Rosie", "Hartwell"),
    "unicef.monitor": ("Yacouba", "Konaté"),
    "unicef.verifier": ("Ingrid", "Solberg"),
    "unfpa.monitor": ("Awa", "Sidibé"),
    "hrd.monitor": ("Bakary", "Doumbia"),
    "hrd.verifier": ("Julien", "Marchetti"),
    "hrd.viewer": ("Efua", "Mensah"),
    "cpa.monitor": ("Mariam", "Tapo"),
    "cpa.verifier": ("Wanjiru", "Kamau"),
    "wpa.monitor": ("Fatoumata", "Guindo"),
    "wpa.verifier": ("Hélène", "Roussel"),
    "addf.monitor": ("Djénéba", "Kanouté"),
    "rspe.monitor": ("Mahamane", "Tandina"),
    "aeat.monitor": ("Akly", "Ag Hamada"),
    "afpcs.monitor": ("Boureïma", "Tembely"),
    "sysadmin": ("Marta", "Lindgren"),
    "hrd.admin": ("Jean-Pierre", "Kabasele"),
    "unicef.admin": ("Mariam", "Coulibaly"),
    "unfpa.admin": ("Aïssata", "Keïta"),
    "unfpa.case_worker": ("Fanta", "Coulibaly"),
    "unhcr.focal_point": ("Mariam", "Sangaré"),
    "unicef.focal_point": ("Boubacar", "Cissé"),
    "unfpa.focal_point": ("Aminata", "Konaté"),
    "cpa.focal_point": ("Claire", "Ndiaye"),
    "wpa.focal_point": ("Esther", "Mensah"),
    "poc.focal_point": ("James", "Okello"),
    "ocha.im_officer": ("Sophie", "Marchand"),
    "unicef.case_worker": ("Mamadou", "Sangaré"),
    "addf.admin": ("Fanta", "Konaté"),
}


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def pick_community(rng, region_pcode: str) -> str:
    weights = REGION_COMMUNITIES.get(region_pcode, REGION_COMMUNITIES["ML09"])
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _first(rng, community: str, sex: str) -> str:
    data = COMMUNITIES[community]
    if sex == "u":
        sex = rng.choice("mf")
    return rng.choice(data["male"] if sex == "m" else data["female"])


def _patronymic(rng, community: str, sex: str, first: str, father_first: str) -> str:
    son, daughter = PATRONYMIC[community]
    return f"{first} {son if sex == 'm' else daughter} {father_first}"


def identity(rng, community: str, sex: str) -> dict:
    """A fictional full name with the father's and mother's names, consistent with the community.

    Tamasheq and Arab names follow the father ("Ag"/"Ould" for men, "Walet"/"Mint" for women),
    so the father's own name is "<father's first name> Ag <grandfather's first name>". Other
    communities carry the father's family name; the mother keeps her own family name.
    """
    for _attempt in range(20):
        if sex == "u":
            sex = rng.choice("mf")
        first = _first(rng, community, sex)
        data = COMMUNITIES[community]
        if community in PATRONYMIC:
            father_first = rng.choice(data["fathers"])
            grandfather = rng.choice([n for n in data["fathers"] if n != father_first])
            full = _patronymic(rng, community, sex, first, father_first)
            father = _patronymic(rng, community, "m", father_first, grandfather)
            mother = _patronymic(
                rng, community, "f", rng.choice(data["female"]), rng.choice(data["fathers"])
            )
        else:
            family = rng.choice(data["family"])
            father_first = rng.choice([n for n in data["male"] if n != first] or data["male"])
            full = f"{first} {family}"
            father = f"{father_first} {family}"
            # Mothers mostly come from the same community; sometimes from a neighbouring one.
            mother_community = community if rng.random() < 0.8 else rng.choice(list(COMMUNITIES))
            mother_data = COMMUNITIES[mother_community]
            if mother_community in PATRONYMIC:
                mother = _patronymic(
                    rng,
                    mother_community,
                    "f",
                    rng.choice(mother_data["female"]),
                    rng.choice(mother_data["fathers"]),
                )
            else:
                mother = f"{rng.choice(mother_data['female'])} {rng.choice(mother_data['family'])}"
        names = (full, father, mother)
        if not any(normalise(n) in _REFUSED for n in names):
            return {"full_name": full, "father_name": father, "mother_name": mother}
    raise RuntimeError("could not draw a name that is not a public figure's")  # pragma: no cover


def phone(rng) -> str:
    """A Malian mobile number in the 2013 numbering plan (8 digits, 6x or 7x)."""
    prefix = rng.choice(["7", "7", "7", "6"])
    digits = [rng.randint(0, 9) for _ in range(7)]
    return (
        f"+223 {prefix}{digits[0]} {digits[1]}{digits[2]} {digits[3]}{digits[4]} "
        f"{digits[5]}{digits[6]}"
    )


# Neighbourhoods of the main towns (cercle P-code → quartiers).
QUARTIERS = {
    "ML0703": ["Château", "Aljanabandja", "Saneye", "Boulgoundjé", "Sosso Koïra", "Farandjiré"],
    "ML0605": ["Abaradjou", "Sankoré", "Djingareyber", "Badjindé", "Bellafarandi", "Sareykeina"],
    "ML0506": ["Sévaré", "Komoguel", "Mossinkoré", "Gangal", "Médina Coura"],
    "ML0901": [
        "Niamakoro",
        "Magnambougou",
        "Sogoniko",
        "Banconi",
        "Hamdallaye",
        "Lafiabougou",
        "Kalaban Coura",
        "Sabalibougou",
        "Djélibougou",
        "Missabougou",
    ],
    "ML0406": ["Pélengana", "Darsalam", "Bagadadji", "Médine"],
    "ML0802": ["Etambar", "Aliou", "Quartier Administratif"],
}


def address(rng, cercle_pcode: str, town: str) -> str:
    quartiers = QUARTIERS.get(cercle_pcode)
    if quartiers and rng.random() < 0.7:
        name = rng.choice(quartiers)
        prefix = "" if name.startswith("Quartier") else "Quartier "
        return f"{prefix}{name}, {town}"
    style = rng.random()
    if style < 0.45:
        return f"Quartier {rng.randint(1, 9)}, {town}"
    if style < 0.75:
        direction = rng.choice(["nord", "sud", "est", "ouest", "nord-est", "sud-ouest"])
        return f"Campement à {rng.randint(3, 60)} km au {direction} de {town}"
    return f"Site de déplacés, secteur {rng.choice('ABCDEF')}, {town}"
