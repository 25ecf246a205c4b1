"""The sharing app's families, registered with the policy when the app is ready; the rules
are in passerelle/policy/sharing.py."""

from passerelle.policy import sharing as rules
from passerelle.policy.registry import Family, register

from .models import BreakGlass, Disclosure, Protocol

register(
    Family(
        "disclosures",
        (Disclosure,),
        rules=rules.DISCLOSURE_RULES,
        owner=lambda disclosure: disclosure.owner,
        related=("incident", "recipient", "protocol", "owner", "disclosed_by", "recipient_user"),
    )
)
register(
    Family(
        "break-glass accesses",
        (BreakGlass,),
        rules=rules.BREAK_GLASS_RULES,
        owner=lambda access: access.organisation,
        related=("user", "incident", "organisation", "reviewed_by"),
    )
)
register(
    Family(
        "protocols",
        (Protocol,),
        rules=rules.PROTOCOL_RULES,
        owner=lambda protocol: None,
        related=("created_by",),
    )
)
