"""The coordination app's families, registered with the policy when the app is ready; the
rules themselves are in passerelle/policy/coordination.py."""

from passerelle.policy import coordination as rules
from passerelle.policy.registry import Family, register

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
