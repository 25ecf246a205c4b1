"""Why information is asked for or shared. Declared on every protocol rule, disclosure,
aggregate query and request, and checked by the gate.

Information sharing is not intelligence gathering (DESIGN.md, principle 3): the purposes
in FORBIDDEN are fixed here, not configurable, and refused above level 1 (aggregates).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    RESPONSE = "response", _("Response and referral")
    VERIFICATION = "verification", _("Verification")
    ANALYSIS = "analysis", _("Analysis and reporting")
    ADVOCACY = "advocacy", _("Advocacy")
    COORDINATION = "coordination", _("Coordination")
    # Never allowed above level 1; they may be declared, so that the refusal is recorded.
    INTELLIGENCE = "intelligence", _("Intelligence gathering")
    TARGETING = "targeting", _("Military or security targeting")
    SCREENING = "screening", _("Screening or vetting of individuals")


FORBIDDEN = frozenset({Purpose.INTELLIGENCE, Purpose.TARGETING, Purpose.SCREENING})
ALLOWED = tuple(p for p in Purpose if p not in FORBIDDEN)
# The highest level at which a forbidden purpose may still be served (aggregates).
FORBIDDEN_MAX_LEVEL = 1


def allowed_choices():
    return [(p.value, p.label) for p in ALLOWED]


def is_forbidden(purpose: str) -> bool:
    return purpose in FORBIDDEN
