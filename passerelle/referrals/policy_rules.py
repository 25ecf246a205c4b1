"""The referrals app's families, registered with the policy when the app is ready.

- needs belong to a case record: the clearance on the incident decides (gate.records_family);
- referrals have two sides, the referring organisation and the provider
  (passerelle/policy/referrals.py);
- services are read by every `service.view` holder and described by their provider's
  `service.manage` holders or a `servicemap.manage` holder.
"""

from passerelle.policy import referrals as rules
from passerelle.policy.gate import records_family
from passerelle.policy.registry import Family, Holds, In, register

from .models import Need, Referral, Service

register(records_family("needs", (Need,), "incident"))
register(
    Family(
        "referrals",
        (Referral,),
        condition=rules.referral_condition,
        allows=rules.referral_allows,
        level=rules.referral_level_of,
        owner=lambda referral: referral.sender,
        related=rules.RELATED,
        fields=rules.referral_fields,
        redact=rules.redact_referral,
    )
)


def _manages(user):
    from passerelle.policy import organisations

    return {o.pk for o in organisations(user, "service.manage")}


SERVICE_RULES = {
    "service.view": Holds("service.view"),
    "service.manage": In("provider_id", _manages) | Holds("servicemap.manage"),
}
register(
    Family(
        "services",
        (Service,),
        rules=SERVICE_RULES,
        owner=lambda service: service.provider,
        related=("provider", "receiver"),
    )
)
