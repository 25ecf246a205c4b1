"""Why information is asked for or shared. Declared on every protocol rule, disclosure,
aggregate query and request, and checked by the gate.

Information sharing is not intelligence gathering (DESIGN.md, principle 3): the purposes
in FORBIDDEN are fixed here, not configurable, and refused at every level: no record is
shared and no statistics are counted for them (`ForbiddenPurpose`, audited).
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    RESPONSE = "response", _("Response and referral")
    VERIFICATION = "verification", _("Verification")
    ANALYSIS = "analysis", _("Analysis and reporting")
    ADVOCACY = "advocacy", _("Advocacy")
    COORDINATION = "coordination", _("Coordination")
    # Never served; they may be declared, so that the refusal is recorded.
    INTELLIGENCE = "intelligence", _("Intelligence gathering")
    TARGETING = "targeting", _("Military or security targeting")
    SCREENING = "screening", _("Screening or vetting of individuals")


FORBIDDEN = frozenset({Purpose.INTELLIGENCE, Purpose.TARGETING, Purpose.SCREENING})
ALLOWED = tuple(p for p in Purpose if p not in FORBIDDEN)
# Shares above this level are refused for a forbidden purpose (shares start at level 2);
# statistics are refused too (`policy.aggregate_scope`): nothing is served.
FORBIDDEN_MAX_LEVEL = 1


def allowed_choices():
    return [(p.value, p.label) for p in ALLOWED]


def is_forbidden(purpose: str) -> bool:
    return purpose in FORBIDDEN


def forbidden_reason(purpose: str) -> str:
    """Why a forbidden purpose is refused, in the reader's language (one sentence for all)."""
    return gettext(
        "“%(purpose)s” is not a purpose for which protection information is given: "
        "information sharing is not intelligence gathering."
    ) % {"purpose": Purpose(purpose).label}


class ForbiddenPurpose(PermissionDenied):
    """A query or request declared a forbidden purpose; `reason` says why, translated."""

    def __init__(self, purpose: str):
        self.purpose = purpose
        self.reason = forbidden_reason(purpose)
        super().__init__(self.reason)
