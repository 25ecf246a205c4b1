"""The coordination app's families, registered with the policy when the app is ready; the
rules themselves are in passerelle/policy/coordination.py."""

from passerelle.policy import coordination as rules
from passerelle.policy.registry import Family, register, register_action

from .models import ActionPoint, Body, EngagementRisk, Meeting, Training

register(
    Family(
        "bodies",
        (Body,),
        rules=rules.BODY_RULES,
        owner=lambda body: body.chair,
        related=("chair", "co_chair", "place", "parent"),
    )
)
register(
    Family(
        "meetings",
        (Meeting,),
        rules=rules.MEETING_RULES,
        owner=lambda meeting: meeting.body.chair,
        related=("body__chair", "body__co_chair", "place", "recorded_by"),
    )
)
register(
    Family(
        "action points",
        (ActionPoint,),
        rules=rules.ACTION_POINT_RULES,
        owner=lambda ap: ap.body.chair,
        related=("body__chair", "body__co_chair", "owner", "meeting"),
    )
)
register(
    Family(
        "risks",
        (EngagementRisk,),
        rules=rules.RISK_RULES,
        owner=lambda risk: risk.organisation,
        related=("organisation", "body", "owner_user"),
    )
)
register(
    Family(
        "trainings",
        (Training,),
        rules=rules.TRAINING_RULES,
        owner=lambda training: training.provider,
        related=("provider", "area"),
    )
)


# Actions derived from roles and data, asked by templates with `{% can %}` and by the services.
def _ends_membership(user, membership) -> bool:
    """A body's managers end any membership; an organisation withdraws its own."""
    from passerelle.policy import holds_in

    return holds_in(user, "coordination.manage", membership.organisation_id) or (
        rules.may_manage_body(user, membership.body)
    )


def _records_trainings(user, obj=None) -> bool:
    from . import trainings

    return trainings.managed_providers(user).exists()


register_action("body.create", lambda user, obj=None: rules.may_create_body(user))
register_action("membership.end", _ends_membership)
register_action("training.create", _records_trainings)
