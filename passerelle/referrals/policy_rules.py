"""The referrals app's families, registered with the policy when the app is ready.

- needs belong to a case record: the clearance on the incident decides (gate.records_family);
- referrals have two sides, the referring organisation and the provider
  (passerelle/policy/referrals.py);
- services are read by every `service.view` holder and described by their provider's
  `service.manage` holders or a `servicemap.manage` holder.
"""

from passerelle.policy import referrals as rules
from passerelle.policy.gate import records_family
from passerelle.policy.registry import Family, Holds, In, register, register_action

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


def manageable_providers(user):
    """The active organisations whose services the user may describe: their own
    (`service.manage`), or every one for a `servicemap.manage` holder."""
    from passerelle.accounts.models import Organisation
    from passerelle.policy import scope_organisations

    active = Organisation.objects.filter(active=True)
    return scope_organisations(user, active, "service.manage", everywhere="servicemap.manage")


def _imports_services(user, obj=None) -> bool:
    from .mapping import may_import

    return may_import(user)


# Actions derived from roles and data, asked by templates with `{% can %}`.
register_action("service.create", lambda user, obj=None: manageable_providers(user).exists())
register_action("service.import", _imports_services)
