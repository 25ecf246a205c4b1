"""Demonstration data: organisations, one login per role, and ~3000 fictional incidents.

Everything is drawn from one seeded random generator. The incidents, persons and consents are
import rows written through the import path field data takes (`imports.pipeline`), and the
verification steps and named case workers follow the services' rules in bulk, so that the
audit chain and the encryption of identities are exactly what real use produces. Loading
twice adds nothing: organisations, users and memberships are matched by acronym or username,
and incidents are only generated when no demo organisation owns any incident yet.

All persons, staff names, narratives and non-UN organisations are fictional.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from passerelle import policy
from passerelle.accounts.models import Membership, Organisation, User
from passerelle.core import audit, crypto
from passerelle.core.guard import unscoped
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.imports import pipeline
from passerelle.imports.models import ImportBatch, ImportedSubmission
from passerelle.imports.rows import IncidentIn, PersonIn
from passerelle.incidents.models import (
    VERIFICATION_TRANSITIONS,
    Consent,
    Incident,
    VerificationEvent,
    VerificationStatus,
)
from passerelle.vocabularies.models import Term

from . import clock, names, narratives, otp
from .coordination import load_coordination
from .directory import load_directory
from .referrals import load_referrals
from .requests import load_requests
from .sharing import load_sharing

SEED = 2013
DEFAULT_INCIDENTS = 3000
SMALL_INCIDENTS = 60
DEMO_PASSWORD = "Passerelle-2013!"  # noqa: S105  (published demo password, demo data only)
EMAIL_DOMAIN = "demo.passerelle.invalid"
URL = "http://127.0.0.1:8000"

START = dt.date(2012, 1, 1)
END = dt.date(2014, 12, 31)
INTERVENTION = dt.date(2013, 1, 11)  # start of the French-led intervention
MINUSMA_START = dt.date(2013, 7, 1)  # MINUSMA takes over from AFISMA
NORTH = {"ML06", "ML07", "ML08", "ML10"}

T = Organisation.Type
R = Membership.Role

# acronym, name, type, parent acronym. Malian NGOs are fictional.
ORGANISATIONS = [
    ("UNHCR", "Office of the United Nations High Commissioner for Refugees", T.UN_AGENCY, None),
    ("DRC", "Danish Refugee Council", T.INGO, None),
    ("Oxfam", "Oxfam", T.INGO, None),
    ("OCHA", "Office for the Coordination of Humanitarian Affairs", T.UN_AGENCY, None),
    (
        "OHCHR",
        "Office of the United Nations High Commissioner for Human Rights",
        T.UN_AGENCY,
        None,
    ),
    ("UNICEF", "United Nations Children's Fund", T.UN_AGENCY, None),
    ("UNFPA", "United Nations Population Fund", T.UN_AGENCY, None),
    ("IOM", "International Organization for Migration", T.UN_AGENCY, None),
    ("UNMAS", "United Nations Mine Action Service", T.UN_AGENCY, None),
    ("MDS", "Ministère du Développement social", T.GOVERNMENT, None),
    ("ADDF", "Association Djiguiya pour les Droits des Femmes", T.NNGO, None),
    ("RSPE", "Réseau Songhoy pour la Protection de l'Enfance", T.NNGO, None),
    ("AEAT", "Association d'Entraide Adrar-Tilemsi", T.NNGO, None),
    ("AFPCS", "Association Falaise et Plateau pour la Cohésion Sociale", T.NNGO, None),
    (
        "MINUSMA",
        "United Nations Multidimensional Integrated Stabilization Mission in Mali",
        T.MISSION,
        None,
    ),
    ("MINUSMA-HRD", "MINUSMA – Human Rights Division", T.MISSION_COMPONENT, "MINUSMA"),
    ("MINUSMA-CPA", "MINUSMA – Child Protection Advisers", T.MISSION_COMPONENT, "MINUSMA"),
    ("MINUSMA-WPA", "MINUSMA – Women Protection Advisers", T.MISSION_COMPONENT, "MINUSMA"),
    (
        "MINUSMA-POC",
        "MINUSMA – Protection of Civilians Adviser",
        T.MISSION_COMPONENT,
        "MINUSMA",
    ),
    ("MINUSMA-CAD", "MINUSMA – Civil Affairs Division", T.MISSION_COMPONENT, "MINUSMA"),
    ("MINUSMA-PAD", "MINUSMA – Political Affairs Division", T.MISSION_COMPONENT, "MINUSMA"),
    ("MINUSMA-UNPOL", "MINUSMA – United Nations Police", T.MISSION_COMPONENT, "MINUSMA"),
    (
        "MINUSMA-JOC",
        "MINUSMA – Force / Joint Operations Centre",
        T.MISSION_COMPONENT,
        "MINUSMA",
    ),
]
# The organisations' French names (the list above gives the English ones).
FRENCH_NAMES = {
    "UNHCR": "Haut Commissariat des Nations Unies pour les réfugiés",
    "DRC": "Conseil danois pour les réfugiés",
    "OCHA": "Bureau de la coordination des affaires humanitaires",
    "OHCHR": "Haut-Commissariat des Nations Unies aux droits de l'homme",
    "UNICEF": "Fonds des Nations Unies pour l'enfance",
    "UNFPA": "Fonds des Nations Unies pour la population",
    "IOM": "Organisation internationale pour les migrations",
    "UNMAS": "Service de la lutte antimines des Nations Unies",
    "MINUSMA": (
        "Mission multidimensionnelle intégrée des Nations Unies pour la stabilisation au Mali"
    ),
    "MINUSMA-HRD": "MINUSMA – Division des droits de l'homme",
    "MINUSMA-CPA": "MINUSMA – Conseillers en protection de l'enfance",
    "MINUSMA-WPA": "MINUSMA – Conseillères pour la protection des femmes",
    "MINUSMA-POC": "MINUSMA – Conseiller pour la protection des civils",
    "MINUSMA-CAD": "MINUSMA – Division des affaires civiles",
    "MINUSMA-PAD": "MINUSMA – Division des affaires politiques",
    "MINUSMA-UNPOL": "MINUSMA – Police des Nations Unies",
    "MINUSMA-JOC": "MINUSMA – Force / Centre d'opérations conjoint",
}
# The English names of the national organisations the list above names in French.
ENGLISH_NAMES = {
    "MDS": "Ministry of Social Development",
    "ADDF": "Djiguiya Association for Women's Rights",
    "RSPE": "Songhoy Child Protection Network",
    "AEAT": "Adrar-Tilemsi Mutual Aid Association",
    "AFPCS": "Cliff and Plateau Association for Social Cohesion",
}

# username, organisation acronym, role (names in names.STAFF_NAMES).
USERS = [
    ("drc.monitor", "DRC", R.MONITOR),
    ("drc.viewer", "DRC", R.VIEWER),
    ("drc.case_worker", "DRC", R.CASE_WORKER),
    ("drc.verifier", "DRC", R.VERIFIER),
    ("drc.im_officer", "DRC", R.IM_OFFICER),
    ("drc.focal_point", "DRC", R.FOCAL_POINT),
    ("drc.admin", "DRC", R.ORG_ADMIN),
    ("unhcr.monitor", "UNHCR", R.MONITOR),
    ("unhcr.verifier", "UNHCR", R.VERIFIER),
    ("unhcr.im_officer", "UNHCR", R.IM_OFFICER),
    ("unhcr.admin", "UNHCR", R.ORG_ADMIN),
    ("oxfam.monitor", "Oxfam", R.MONITOR),
    ("oxfam.verifier", "Oxfam", R.VERIFIER),
    ("unicef.monitor", "UNICEF", R.MONITOR),
    ("unicef.verifier", "UNICEF", R.VERIFIER),
    ("unfpa.monitor", "UNFPA", R.MONITOR),
    ("hrd.monitor", "MINUSMA-HRD", R.MONITOR),
    ("hrd.verifier", "MINUSMA-HRD", R.VERIFIER),
    ("hrd.viewer", "MINUSMA-HRD", R.VIEWER),
    ("cpa.monitor", "MINUSMA-CPA", R.MONITOR),
    ("cpa.verifier", "MINUSMA-CPA", R.VERIFIER),
    ("wpa.monitor", "MINUSMA-WPA", R.MONITOR),
    ("wpa.verifier", "MINUSMA-WPA", R.VERIFIER),
    ("addf.monitor", "ADDF", R.MONITOR),
    ("rspe.monitor", "RSPE", R.MONITOR),
    ("aeat.monitor", "AEAT", R.MONITOR),
    ("afpcs.monitor", "AFPCS", R.MONITOR),
    ("sysadmin", "UNHCR", R.SYSTEM_ADMIN),
    # signatories of the demo protocol
    ("hrd.admin", "MINUSMA-HRD", R.ORG_ADMIN),
    ("unicef.admin", "UNICEF", R.ORG_ADMIN),
    ("unfpa.admin", "UNFPA", R.ORG_ADMIN),
    ("addf.admin", "ADDF", R.ORG_ADMIN),
    # providers' case workers, who receive referrals by name
    ("unfpa.case_worker", "UNFPA", R.CASE_WORKER),
    ("unicef.case_worker", "UNICEF", R.CASE_WORKER),
    # thematic focal points, to whom requests for information or action are routed
    ("unhcr.focal_point", "UNHCR", R.FOCAL_POINT),
    ("unicef.focal_point", "UNICEF", R.FOCAL_POINT),
    ("unfpa.focal_point", "UNFPA", R.FOCAL_POINT),
    ("cpa.focal_point", "MINUSMA-CPA", R.FOCAL_POINT),
    ("wpa.focal_point", "MINUSMA-WPA", R.FOCAL_POINT),
    ("poc.focal_point", "MINUSMA-POC", R.FOCAL_POINT),
    ("ocha.im_officer", "OCHA", R.IM_OFFICER),
]
ENGLISH_SPEAKERS = {
    "drc.viewer",
    "drc.im_officer",
    "drc.admin",
    "unhcr.im_officer",
    "oxfam.verifier",
    "unicef.verifier",
    "hrd.viewer",
    "hrd.admin",
    "cpa.verifier",
    "sysadmin",
    "cpa.focal_point",
    "wpa.focal_point",
    "poc.focal_point",
}


@dataclass(frozen=True)
class Owner:
    weight: float
    frameworks: dict
    english: float  # share of narratives written in English
    regions: frozenset | None = None  # None: everywhere
    mission: bool = False


OWNERS = {
    "DRC": Owner(20, {"pm": 65, "gbv": 35}, 0.15),
    "UNHCR": Owner(14, {"pm": 70, "gbv": 30}, 0.4),
    "Oxfam": Owner(8, {"pm": 75, "gbv": 25}, 0.3, frozenset({"ML05", "ML06", "ML07", "ML10"})),
    "UNICEF": Owner(9, {"mrm": 85, "gbv": 15}, 0.4),
    "UNFPA": Owner(3, {"gbv": 60, "crsv": 40}, 0.3),
    "MINUSMA-HRD": Owner(13, {"hr": 90, "crsv": 10}, 0.5, mission=True),
    "MINUSMA-CPA": Owner(7, {"mrm": 100}, 0.5, mission=True),
    "MINUSMA-WPA": Owner(5, {"crsv": 100}, 0.5, mission=True),
    "ADDF": Owner(6, {"gbv": 70, "pm": 30}, 0, frozenset({"ML02", "ML04", "ML05", "ML07", "ML09"})),
    "RSPE": Owner(5, {"pm": 70, "gbv": 30}, 0, frozenset({"ML06", "ML07", "ML10"})),
    "AEAT": Owner(5, {"pm": 75, "gbv": 25}, 0, frozenset({"ML06", "ML07", "ML08", "ML10"})),
    "AFPCS": Owner(5, {"pm": 70, "gbv": 30}, 0, frozenset({"ML04", "ML05"})),
}

# Incidents per month, January 2012 → December 2014: the rebellion (January 2012), the
# occupation of the north (April–June 2012), the intervention (January–February 2013), the
# fighting in Kidal (May 2014).
MONTH_WEIGHTS = [
    *(4, 5, 6, 9, 8, 8, 6, 6, 5, 5, 5, 6),
    *(10, 9, 7, 6, 5, 5, 5, 4, 4, 5, 5, 4),
    *(4, 4, 4, 4, 7, 5, 4, 4, 4, 4, 3, 3),
]

REGION_WEIGHTS = {
    "ML07": 22,  # Gao
    "ML06": 20,  # Tombouctou
    "ML05": 16,  # Mopti
    "ML08": 12,  # Kidal
    "ML10": 7,  # Ménaka
    "ML09": 6,  # Bamako
    "ML04": 6,  # Ségou
    "ML02": 4,  # Koulikoro
    "ML01": 2,  # Kayes
    "ML03": 2,  # Sikasso
}
# Cercles weighted within their region (default 1).
CERCLE_WEIGHTS = {
    "ML0703": 5,
    "ML0701": 3,
    "ML0702": 3,
    "ML0605": 5,
    "ML0602": 3,
    "ML0603": 2,
    "ML0601": 2,
    "ML0604": 2,
    "ML0506": 3,
    "ML0504": 4,
    "ML0501": 2,
    "ML0507": 2,
    "ML0508": 2,
    "ML0802": 5,
    "ML0803": 2,
    "ML1001": 4,
    "ML0404": 3,
    "ML0406": 2,
}

CATEGORY_WEIGHTS = {
    "pm": {
        "attacks_on_civilians": 14,
        "abduction_detention": 10,
        "property": 14,
        "movement_displacement": 12,
        "gbv": 6,
        "family_separation": 6,
        "explosive_ordnance": 6,
        "discrimination_denial": 8,
        "torture_cidt": 5,
        "psychological_distress": 6,
        "child_recruitment": 4,
        "documentation_justice": 5,
        "child_forced_marriage": 4,
    },
    "gbv": {
        "rape": 18,
        "sexual_assault": 12,
        "physical_assault": 30,
        "forced_marriage": 15,
        "denial_of_resources": 12,
        "psychological_emotional_abuse": 13,
    },
    "crsv": {
        "rape": 45,
        "gang_rape": 20,
        "sexual_assault": 12,
        "forced_marriage": 10,
        "sexual_slavery": 8,
        "other_comparable_gravity": 5,
    },
    "hr": {
        "010101020000": 10,
        "010103020000": 8,
        "010105000000": 4,
        "010109000000": 3,
        "020101000000": 10,
        "020103020000": 6,
        "020111110000": 8,
        "020121000000": 4,
        "030101000000": 12,
        "030102000000": 10,
        "030103000000": 5,
        "030104000000": 5,
        "130101000000": 8,
        "130103000000": 5,
        "130104000000": 5,
        "050106000000": 3,
    },
    "mrm": {
        "recruitment": 28,
        "killing": 12,
        "maiming": 18,
        "sexual_violence": 10,
        "abduction": 8,
        "attack_on_schools": 8,
        "attack_on_hospitals": 4,
        "denial_humanitarian_access": 4,
        "military_use": 5,
        "deprivation_liberty": 8,
    },
}
# Categories that may have no direct victim (a school, a convoy, property…).
NO_VICTIM_OK = {
    "mrm.attack_on_schools",
    "mrm.attack_on_hospitals",
    "mrm.denial_humanitarian_access",
    "mrm.military_use",
    "pm.property",
    "pm.explosive_ordnance",
    "pm.discrimination_denial",
    "hr.130101000000",
    "hr.130103000000",
    "hr.130104000000",
    "hr.050106000000",
}

PERPETRATOR_WEIGHTS = {
    "pm": {
        "non_state_armed_group": 30,
        "national_armed_forces": 10,
        "national_security_forces": 5,
        "international_forces": 2,
        "self_defence_militia": 6,
        "criminal_group": 18,
        "civilian_community": 8,
        "civilian_family": 3,
        "unknown": 18,
    },
    "gbv": {
        "civilian_family": 35,
        "civilian_community": 25,
        "non_state_armed_group": 12,
        "national_armed_forces": 4,
        "criminal_group": 6,
        "unknown": 18,
    },
    "crsv": {
        "non_state_armed_group": 55,
        "national_armed_forces": 10,
        "national_security_forces": 3,
        "self_defence_militia": 8,
        "criminal_group": 8,
        "unknown": 16,
    },
    "hr": {
        "non_state_armed_group": 35,
        "national_armed_forces": 25,
        "national_security_forces": 10,
        "international_forces": 2,
        "self_defence_militia": 8,
        "criminal_group": 5,
        "unknown": 15,
    },
    "mrm": {
        "non_state_armed_group": 60,
        "national_armed_forces": 10,
        "national_security_forces": 3,
        "international_forces": 2,
        "self_defence_militia": 12,
        "unknown": 13,
    },
}
STATE_FORCES = {"national_armed_forces", "national_security_forces"}

SOURCE_WEIGHTS = {
    "victim": 25,
    "witness": 20,
    "family_member": 12,
    "community_leader": 15,
    "service_provider": 10,
    "local_authority": 5,
    "media": 3,
    "direct_observation": 5,
    "document": 2,
    "unknown": 3,
}
RELIABILITY_WEIGHTS = {"01": 15, "02": 40, "03": 25, "04": 8, "05": 2, "99": 10}

# Share of female victims, and age groups of victims, by framework.
FEMALE_SHARE = {"pm": 0.4, "gbv": 0.93, "crsv": 0.95, "hr": 0.15, "mrm": 0.3}
AGE_WEIGHTS = {
    "pm": {"0_4": 5, "5_11": 10, "12_17": 12, "18_59": 60, "60_plus": 8, "unknown": 5},
    "gbv": {"12_17": 25, "18_59": 70, "60_plus": 5},
    "crsv": {"12_17": 30, "18_59": 68, "60_plus": 2},
    "hr": {"12_17": 5, "18_59": 80, "60_plus": 10, "unknown": 5},
    "mrm": {"0_4": 5, "5_11": 25, "12_17": 70},
}
AGE_RANGES = {"0_4": (0, 4), "5_11": (5, 11), "12_17": (12, 17), "18_59": (18, 59)}
AGE_RANGES["60_plus"] = (60, 80)

FINAL_STATUS = {
    "recent": {"reported": 50, "under_verification": 30, "verified": 15, "not_verified": 3},
    "older": {
        "reported": 28,
        "under_verification": 17,
        "verified": 40,
        "not_verified": 8,
        "discarded": 7,
    },
}


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Result:
    areas: str = ""
    organisations_created: int = 0
    users_created: int = 0
    memberships_created: int = 0
    incidents_existing: int = 0
    incidents: int = 0
    persons: int = 0
    consents: int = 0
    verification_steps: int = 0
    named: int = 0
    protocols: dict = field(default_factory=dict)  # what load_sharing did
    referrals: dict = field(default_factory=dict)  # what load_referrals did
    directory: dict = field(default_factory=dict)  # what load_directory did
    coordination: dict = field(default_factory=dict)  # what load_coordination did
    requests: dict = field(default_factory=dict)  # what load_requests did
    timings: dict = field(default_factory=dict)

    @property
    def skipped(self) -> bool:
        return self.incidents_existing > 0


# --------------------------------------------------------------------------- reference data


def load_areas_if_needed() -> str:
    regions = Area.objects.filter(pcode__in=list(REGION_WEIGHTS), level=1).count()
    cercles = Area.objects.filter(pcode__startswith="ML", level=2).count()
    if regions == len(REGION_WEIGHTS) and cercles >= 53:
        return ""
    return load_mali().summary()


def load_organisations(result: Result) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for acronym, name, kind, parent in ORGANISATIONS:
        org, created = Organisation.objects.update_or_create(
            acronym=acronym,
            defaults={
                "name": FRENCH_NAMES.get(acronym, name),
                "name_en": ENGLISH_NAMES.get(acronym, name),
                "type": kind,
                "parent": orgs[parent] if parent else None,
                "active": True,
            },
        )
        orgs[acronym] = org
        result.organisations_created += created
    return orgs


def load_users(
    orgs: dict[str, Organisation], result: Result, reset_passwords: bool = False
) -> dict[str, User]:
    users: dict[str, User] = {}
    password_hash = None
    for username, acronym, role in USERS:
        first, last = names.STAFF_NAMES[username]
        user = users.get(username)
        if user is None:
            user, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@{EMAIL_DOMAIN}",
                    "is_active": True,
                    "language": "en" if username in ENGLISH_SPEAKERS else "fr",
                },
            )
            if created or reset_passwords:
                # One Argon2 hash (~0.15 s) shared by every demo account, instead of one each.
                if password_hash is None:
                    password_hash = make_password(DEMO_PASSWORD)
                user.password = password_hash
                user.save(update_fields=["password"])
            result.users_created += created
            users[username] = user
        _, created = Membership.objects.get_or_create(
            user=user, organisation=orgs[acronym], role=role, defaults={"active": True}
        )
        result.memberships_created += created
    for user in users.values():
        policy.forget(user)
    return users


def logins() -> list[tuple[str, str, str]]:
    """(username, role label, organisation acronym) of every demo account."""
    return [(u, R(role).label, acronym) for u, acronym, role in USERS]


# --------------------------------------------------------------------------- geography helpers


def _rings(geometry) -> list[list]:
    """Polygons as lists of rings (outer ring first)."""
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def _inside(lon: float, lat: float, polygons: list[list]) -> bool:
    for polygon in polygons:
        inside = False
        for ring in polygon:  # even-odd over all rings: holes are excluded
            j = len(ring) - 1
            for i in range(len(ring)):
                xi, yi = ring[i][0], ring[i][1]
                xj, yj = ring[j][0], ring[j][1]
                if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                    inside = not inside
                j = i
        if inside:
            return True
    return False


class _Shape:
    def __init__(self, geometry):
        self.polygons = _rings(geometry)
        points = [p for polygon in self.polygons for ring in polygon for p in ring]
        if points:
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            self.bbox = (min(xs), min(ys), max(xs), max(ys))
        else:
            self.bbox = None

    def random_point(self, rng):
        if self.bbox is None:
            return None
        x0, y0, x1, y1 = self.bbox
        for _attempt in range(40):
            lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if _inside(lon, lat, self.polygons):
                return Decimal(f"{lat:.5f}"), Decimal(f"{lon:.5f}")
        return None


# --------------------------------------------------------------------------- incidents


@dataclass
class Story:
    """What the story does with a demo incident once it is written (not part of the row)."""

    acronym: str  # the owning organisation
    framework: str
    classification: int  # the one the import gives it (the category's default when not drawn)
    named: bool  # the DRC administrator names the case worker on it
    path: list[tuple[str, str]]  # verification steps: (status, note)


class DemoRows:
    """The demo's incidents as import rows: `draw(n)` gives the owner's acronym, an `IncidentIn`
    (codes, dates and text only, as any source gives the import pipeline) and its `Story`.

    Every draw comes from one seeded generator, in the same order as when each record was
    written by its own service call, so a seed gives the same incidents, persons and consents
    as before. Reads the vocabularies and the areas once; writes nothing."""

    def __init__(self, rng: random.Random, *, seed: int = SEED):
        self.rng = rng
        self.seed = seed
        terms = Term.objects.filter(active=True).select_related("parent")
        self.codes = {(t.vocabulary, t.code) for t in terms}
        self.subtypes: dict[str, list[str]] = {}
        for t in terms:
            if t.vocabulary == Term.Vocabulary.CATEGORY and t.parent and t.parent.parent_id:
                self.subtypes.setdefault(t.parent.code, []).append(t.code)
        areas = {a.pcode: a for a in Area.objects.filter(pcode__startswith="ML")}
        self.cercles: dict[str, list[Area]] = {}
        for area in sorted(areas.values(), key=lambda a: a.pcode):
            if area.level == 2 and area.parent is not None:
                self.cercles.setdefault(area.parent.pcode, []).append(area)
        self.shapes = {}
        for pcode, area in areas.items():
            geometry = area.geometry or (area.parent.geometry if area.parent else None)
            self.shapes[pcode] = _Shape(geometry)
        self.months = [(2012 + i // 12, i % 12 + 1) for i in range(36)]

    def code(self, vocabulary: str, code: str) -> str:
        """`code`, checked against the active vocabulary (a typo here is a bug of the demo)."""
        if (vocabulary, code) not in self.codes:
            raise KeyError(f"{vocabulary}: {code}")
        return code

    # -- drawing one incident

    def draw_date(self) -> dt.date:
        year, month = self.rng.choices(self.months, weights=MONTH_WEIGHTS)[0]
        day = self.rng.randint(1, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day)

    def draw_area(self) -> Area:
        region = _weighted(self.rng, REGION_WEIGHTS)
        cercles = self.cercles[region]
        weights = [CERCLE_WEIGHTS.get(c.pcode, 1) for c in cercles]
        return self.rng.choices(cercles, weights=weights)[0]

    def draw_owner(self, region: str, occurred_on: dt.date) -> str:
        weights = {}
        for acronym, owner in OWNERS.items():
            if owner.regions is not None and region not in owner.regions:
                continue
            weight = owner.weight
            if owner.mission and occurred_on < MINUSMA_START:
                weight *= 0.25  # documented afterwards by the mission
            weights[acronym] = weight
        return _weighted(self.rng, weights)

    def draw_perpetrator(self, framework: str, region: str, occurred_on: dt.date) -> str:
        weights = dict(PERPETRATOR_WEIGHTS[framework])
        if occurred_on < INTERVENTION:
            weights.pop("international_forces", None)
            if region in NORTH and occurred_on >= dt.date(2012, 4, 1):
                for code in STATE_FORCES:  # the State had withdrawn from the north
                    weights.pop(code, None)
        return _weighted(self.rng, weights)

    def draw_victims(self, framework: str, category_code: str) -> dict:
        rng = self.rng
        if category_code in NO_VICTIM_OK and rng.random() < 0.5:
            return {}
        roll = rng.random()
        if roll < 0.55:
            total = 1
        elif roll < 0.75:
            total = 2
        elif roll < 0.93:
            total = rng.randint(3, 5)
        else:
            total = rng.randint(6, 12)
        female = FEMALE_SHARE[framework]
        if category_code in ("mrm.recruitment", "mrm.deprivation_liberty"):
            female = 0.08
        elif category_code.endswith(("sexual_violence", "forced_marriage")):
            female = 0.97
        ages = dict(AGE_WEIGHTS[framework])
        if category_code in ("mrm.recruitment", "mrm.deprivation_liberty"):
            ages = {"5_11": 8, "12_17": 92}
        counts: dict[tuple[str, str], int] = {}
        for _ in range(total):
            roll = rng.random()
            sex = "u" if roll < 0.03 and framework in ("pm", "hr") else "f"
            if sex == "f" and rng.random() >= female:
                sex = "m"
            key = (sex, _weighted(rng, ages))
            counts[key] = counts.get(key, 0) + 1
        return counts

    def draw_status_path(self, occurred_on: dt.date) -> list[tuple[str, str]]:
        rng = self.rng
        final = _weighted(
            rng, FINAL_STATUS["recent" if occurred_on >= dt.date(2014, 9, 1) else "older"]
        )
        uv = VerificationStatus.UNDER_VERIFICATION
        if final == "reported":
            return []
        if final == "under_verification":
            return [(uv, "")]
        if final == "verified":
            return [(uv, ""), (VerificationStatus.VERIFIED, "")]
        note = rng.choice(narratives.VERIFICATION_NOTES[final])
        if final == "discarded" and rng.random() < 0.5:
            return [(VerificationStatus.DISCARDED, note)]
        return [(uv, ""), (final, note)]

    def displacement(self, region: str, occurred_on: dt.date) -> str:
        rng = self.rng
        if region in NORTH:
            weights = {"resident": 62, "idp": 20, "returnee": 15, "refugee": 3}
            if occurred_on < dt.date(2013, 3, 1):
                weights["returnee"] = 2
        else:
            weights = {"resident": 48, "idp": 45, "returnee": 5, "foreign_national": 2}
        return _weighted(rng, weights)

    def draw(self, number: int) -> tuple[str, IncidentIn, Story]:
        """The `number`-th incident of the story (numbers from 1), keyed demo-<seed>-<number>."""
        rng = self.rng
        occurred_on = self.draw_date()
        area = self.draw_area()
        region = area.parent.pcode
        acronym = self.draw_owner(region, occurred_on)
        owner = OWNERS[acronym]

        framework = _weighted(rng, owner.frameworks)
        category_code = f"{framework}.{_weighted(rng, CATEGORY_WEIGHTS[framework])}"
        self.code(Term.Vocabulary.CATEGORY, category_code)
        sub_type = ""
        if framework == "mrm" and category_code in self.subtypes and rng.random() < 0.6:
            sub_type = rng.choice(self.subtypes[category_code])
        perpetrator = self.draw_perpetrator(framework, region, occurred_on)
        source = _weighted(rng, SOURCE_WEIGHTS) if rng.random() < 0.95 else ""
        reliability = _weighted(rng, RELIABILITY_WEIGHTS) if rng.random() < 0.9 else ""

        precision = "day" if rng.random() < 0.88 else "month"
        delay = min(int(rng.expovariate(1 / 6)), 90)
        reported_on = occurred_on + dt.timedelta(days=delay)
        if owner.mission and reported_on < MINUSMA_START:
            reported_on = MINUSMA_START + dt.timedelta(days=rng.randint(0, 150))
        # The story's dates above (2012–2014) drive the story; the incident is dated in the
        # present (clock.py), a month-precision date on the first of its month.
        present_occurred = clock.shift(occurred_on)
        if precision == "month":
            occurred_on = occurred_on.replace(day=1)
            present_occurred = present_occurred.replace(day=1)

        classification = None
        if framework in ("hr", "mrm") and rng.random() < 0.15:
            classification = 3
        elif framework == "crsv" and rng.random() < 0.04:
            classification = 4

        victims = self.draw_victims(framework, category_code)
        total_victims = sum(victims.values())
        language = "en" if rng.random() < owner.english else "fr"
        coordinates = self.shapes[area.pcode].random_point(rng) if rng.random() < 0.55 else None

        values = {
            "occurred_on": present_occurred,
            "date_precision": precision,
            "reported_on": clock.not_after_today(clock.shift(reported_on)),
            "area": area.pcode,
            "exact_location": narratives.exact_location(rng) if rng.random() < 0.85 else "",
            "category": category_code,
            "sub_type": sub_type,
            "perpetrator": self.code(Term.Vocabulary.PERPETRATOR, perpetrator),
            "source_type": source and self.code(Term.Vocabulary.SOURCE_TYPE, source),
            "source_reliability": reliability
            and self.code(Term.Vocabulary.RELIABILITY, reliability),
            "narrative": narratives.narrative(
                rng, language, category_code, perpetrator, total_victims
            ),
            "classification": classification,
        }
        if coordinates is not None:
            values["latitude"], values["longitude"] = coordinates
        row = IncidentIn(
            key=f"demo-{self.seed}-{number}",
            row=number,
            values=values,
            victim_counts={
                (sex, self.code(Term.Vocabulary.AGE_GROUP, age)): n
                for (sex, age), n in victims.items()
            },
        )
        row.persons = self.draw_persons(area, framework, region, occurred_on, victims)
        if classification is None:  # as the import defaults it
            classification = 3 if framework in ("gbv", "crsv") else 2
        # Need to know: the DRC administrator names the case worker on survivors' files.
        named = False
        if acronym == "DRC" and classification <= 3:
            named = rng.random() < (0.4 if framework == "gbv" else 0.15)
        path = self.draw_status_path(occurred_on)
        return acronym, row, Story(acronym, framework, classification, named, path)

    def draw_persons(self, area, framework, region, occurred_on, victims) -> list[PersonIn]:
        rng = self.rng
        roll = rng.random()
        count = 0 if roll < 0.15 else 1 if roll < 0.65 else 2 if roll < 0.9 else 3
        cells = [key for key, n in sorted(victims.items()) for _ in range(n)]
        rng.shuffle(cells)
        community = names.pick_community(rng, region)
        town = area.name_fr
        persons = []
        for position in range(count):
            if cells and (position == 0 or rng.random() < 0.4):
                role = "victim"
                sex, age_code = cells.pop()
                if age_code in AGE_RANGES and rng.random() < 0.9:
                    age = rng.randint(*AGE_RANGES[age_code])
                else:
                    age = None
            else:
                role = "witness" if rng.random() < 0.6 else "source"
                female = 0.6 if framework in ("gbv", "crsv") else 0.35
                sex = "f" if rng.random() < female else "m"
                age_code = "18_59"
                age = rng.randint(18, 65) if rng.random() < 0.85 else None
                if age is not None and age >= 60:
                    age_code = "60_plus"
            person_community = (
                community if rng.random() < 0.85 else names.pick_community(rng, region)
            )
            identity = names.identity(rng, person_community, sex)
            person = PersonIn(
                role=role,
                sex=sex,
                age=age,
                age_group=self.code(Term.Vocabulary.AGE_GROUP, age_code),
                disability=_weighted(rng, {"no": 70, "yes": 5, "unknown": 25}),
                displacement_status=self.code(
                    Term.Vocabulary.DISPLACEMENT, self.displacement(region, occurred_on)
                ),
            )
            if rng.random() < 0.92:
                person.full_name = identity["full_name"]
                if rng.random() < 0.7:
                    person.father_name = identity["father_name"]
                if rng.random() < 0.6:
                    person.mother_name = identity["mother_name"]
            if rng.random() < (0.6 if role == "source" else 0.3):
                person.phone = names.phone(rng)
            if rng.random() < 0.45:
                person.address = names.address(rng, area.pcode, town)
            person.consents = self.draw_consents(role)
            persons.append(person)
        return persons

    def draw_consents(self, role: str) -> dict[str, bool]:
        rng = self.rng
        if rng.random() < 0.1:
            return {}  # consent not recorded yet
        scope = Consent.Scope
        aggregate = rng.random() < 0.92
        answers = {scope.AGGREGATE_REPORTING.value: aggregate}
        if aggregate:
            if rng.random() < 0.4:
                answers[scope.CASE_SHARING.value] = rng.random() < 0.8
            if role == "victim" and rng.random() < 0.45:
                answers[scope.REFERRAL.value] = rng.random() < 0.85
            if rng.random() < 0.08:
                answers[scope.IDENTIFIABLE_SHARING.value] = rng.random() < 0.6
        return answers


def demo_incident_count() -> int:
    with unscoped():
        return Incident.objects.filter(owner__acronym__in=list(OWNERS)).count()


def _prefix(acronym: str) -> str:
    return acronym.removeprefix("MINUSMA-").lower()


def load_incidents(orgs, users, result: Result, count: int, seed: int = SEED) -> None:
    """The demo's incidents, persons and consents, written through the import path that
    field data takes (`imports.pipeline`: one import per owning organisation, by its monitor,
    validated, encrypted, written in bulk and audited record by record), then what the story
    does with them: the consents dated the day the persons were interviewed, the DRC case
    worker named on some survivors' files, and the verification steps."""
    rows = DemoRows(random.Random(seed), seed=seed)
    drawn = [rows.draw(number) for number in range(1, count + 1)]
    stories = {row.key: story for _, row, story in drawn}
    with transaction.atomic():
        for acronym in OWNERS:
            owned = [row for owner, row, _ in drawn if owner == acronym]
            if not owned:
                continue
            monitor = users[f"{_prefix(acronym)}.monitor"]
            plan = pipeline.prepare(
                monitor,
                organisation=orgs[acronym],
                rows=owned,
                source=ImportBatch.Source.DEMO,
                source_key=f"demo-{seed}",
            )
            if plan.errors:  # the demo's own rows: a refusal is a bug of the demo
                error = plan.errors[0]
                raise RuntimeError(
                    f"demo row {error.row} refused ({error.column}): {error.message}"
                )
            written = pipeline.apply(monitor, plan)
            result.incidents += written["created"]
            result.persons += written["persons"]
            result.consents += written["consents"]
        with unscoped():
            written = ImportedSubmission.objects.filter(
                organisation__acronym__in=list(OWNERS), key__startswith=f"demo-{seed}-"
            )
            incidents = {
                sub.key: sub.incident
                for sub in written.select_related("incident__owner").prefetch_related(
                    "incident__need_to_know"  # what the policy asks of each incident
                )
            }
            _date_consents(incidents.values())
            _verify(users, incidents, stories, result)
            _name_case_workers(users, incidents, stories, result)


def _date_consents(incidents) -> None:
    """The persons were interviewed, and their consent recorded, the day it was reported:
    one UPDATE by primary key per consent, sent at once (`executemany`; the ORM's
    bulk_update builds a CASE over thousands of rows and takes seconds)."""
    now = timezone.now()
    interviewed = {
        incident.pk: min(dt.datetime.combine(incident.reported_on, dt.time(10, 0), dt.UTC), now)
        for incident in incidents
    }
    consents = Consent.objects.filter(person__incident__owner__acronym__in=list(OWNERS))
    given_at = Consent._meta.get_field("given_at")
    params = []
    for pk, incident in consents.values_list("pk", "person__incident"):
        when = given_at.get_db_prep_value(interviewed[incident], connection)
        params.append((when, when, pk))
    table = connection.ops.quote_name(Consent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET given_at = %s, created_at = %s WHERE id = %s",  # noqa: S608
            params,
        )


def _name_case_workers(users, incidents: dict, stories: dict, result: Result) -> None:
    """Need to know: the DRC administrator names the case worker on survivors' files (what
    services.set_need_to_know does, for all of them at once)."""
    admin, case_worker = users["drc.admin"], users["drc.case_worker"]
    named = [incidents[key] for key, story in stories.items() if story.named]
    if not named:
        return
    if not case_worker.memberships.filter(organisation__acronym="DRC", active=True).exists():
        raise RuntimeError("the DRC case worker is not a member of DRC")
    for incident in named:
        policy.require(admin, "incident.manage_access", incident)
    through = Incident.need_to_know.through
    through.objects.bulk_create(
        [through(incident_id=incident.pk, user_id=case_worker.pk) for incident in named],
        ignore_conflicts=True,
    )
    detail = {"user": str(case_worker.public_id), "named": True}
    audit.record_many(
        admin,
        [
            audit.Entry("incident.need_to_know", incident, incident.owner, detail=detail)
            for incident in named
        ],
    )
    result.named += len(named)


def _verify(users, incidents: dict, stories: dict, result: Result) -> None:
    """Each owner's verifier takes its incidents along their verification paths (what
    services.change_verification_status does, step by step, for all of them at once)."""
    steps: dict[str, list] = {}  # verifier's username -> [(incident, from, to, note)]
    for key, story in stories.items():
        verifier = f"{_prefix(story.acronym)}.verifier"
        if verifier not in users or story.classification > 3 or not story.path:
            continue
        incident = incidents[key]
        policy.require(users[verifier], "incident.verify", incident)
        status = VerificationStatus(incident.verification_status)
        for to_status, note in story.path:
            target = VerificationStatus(to_status)
            if target not in VERIFICATION_TRANSITIONS[status]:
                raise RuntimeError(f"{incident}: no move from {status} to {target}")
            steps.setdefault(verifier, []).append((incident, status, target, note))
            status = target
        incident.verification_status = status
    for username, moves in steps.items():
        verifier = users[username]
        VerificationEvent.objects.bulk_create(
            VerificationEvent(
                incident=incident, from_status=old, to_status=new, actor=verifier, note=note
            )
            for incident, old, new, note in moves
        )
        audit.record_many(
            verifier,
            [
                audit.Entry(
                    "incident.verification",
                    incident,
                    incident.owner,
                    detail={"from": old.value, "to": new.value},
                )
                for incident, old, new, _note in moves
            ],
        )
        result.verification_steps += len(moves)
    final: dict[str, list[int]] = {}
    for incident in incidents.values():
        if incident.verification_status != VerificationStatus.REPORTED:
            final.setdefault(incident.verification_status, []).append(incident.pk)
    now = timezone.now()
    for status, pks in final.items():
        Incident.objects.filter(pk__in=pks).update(verification_status=status, updated_at=now)


def load_demo(
    incidents: int = DEFAULT_INCIDENTS, *, reset_passwords: bool = False, seed: int = SEED
) -> Result:
    """Load everything (idempotent); returns what was done and how long it took."""
    result = Result()
    start = time.perf_counter()
    result.areas = load_areas_if_needed()
    result.timings["areas"] = time.perf_counter() - start

    mark = time.perf_counter()
    with transaction.atomic():
        orgs = load_organisations(result)
        users = load_users(orgs, result, reset_passwords=reset_passwords)
        otp.ensure_demo_devices(users.values())  # level-3/4 users: the demo TOTP secret
    result.timings["organisations_users"] = time.perf_counter() - mark

    mark = time.perf_counter()
    result.incidents_existing = demo_incident_count()
    if not result.incidents_existing and incidents > 0:
        load_incidents(orgs, users, result, incidents, seed=seed)
    crypto.ensure_canary()
    result.timings["incidents"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.protocols = load_sharing(orgs, users)
    result.timings["sharing"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.referrals = load_referrals(orgs, users)
    result.timings["referrals"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.directory = load_directory(orgs, users)
    result.coordination = load_coordination(orgs, users)
    result.timings["directory_coordination"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.requests = load_requests(orgs, users, small=incidents <= SMALL_INCIDENTS)
    result.timings["requests"] = time.perf_counter() - mark
    result.timings["total"] = time.perf_counter() - start
    return result
