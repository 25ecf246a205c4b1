"""The one module that decides access to records. See gate.py and roles.py."""

from .decorators import permission, public
from .gate import (
    audit_refusal,
    can,
    clearance,
    forget,
    get_or_404,
    memberships,
    organisations,
    require,
    scope,
    visible_fields,
)
from .redact import Redacted, redact

__all__ = [
    "Redacted",
    "audit_refusal",
    "can",
    "clearance",
    "forget",
    "get_or_404",
    "memberships",
    "organisations",
    "permission",
    "public",
    "redact",
    "require",
    "scope",
    "visible_fields",
]
