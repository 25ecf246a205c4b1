"""The one module that decides access to records. See gate.py and roles.py."""

from .decorators import permission, public
from .gate import (
    aggregate_scope,
    audit_refusal,
    can,
    clearance,
    consent_level,
    forget,
    get_or_404,
    live_disclosures,
    live_filter,
    memberships,
    organisations,
    prefetch_shared,
    require,
    scope,
    shared_level,
    visible_fields,
)
from .redact import Redacted, redact
from .referrals import (
    may_act,
    needs_scope,
    referral_fields,
    referral_level,
    scope_referrals,
)

__all__ = [
    "aggregate_scope",
    "Redacted",
    "audit_refusal",
    "can",
    "clearance",
    "consent_level",
    "forget",
    "get_or_404",
    "live_disclosures",
    "live_filter",
    "may_act",
    "needs_scope",
    "referral_fields",
    "referral_level",
    "scope_referrals",
    "memberships",
    "organisations",
    "prefetch_shared",
    "permission",
    "public",
    "redact",
    "require",
    "scope",
    "shared_level",
    "visible_fields",
]
