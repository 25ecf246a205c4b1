"""The requests family, registered with the policy when the app is ready; the rules are in
passerelle/policy/inforequests.py."""

from passerelle.policy import inforequests as rules
from passerelle.policy.registry import Family, register

from .models import Request

register(
    Family(
        "requests",
        (Request,),
        rules=rules.REQUEST_RULES,
        owner=lambda request: request.asker,
        related=(
            "asker",
            "addressee",
            "thematic_area",
            "area",
            "focal_point",
            "assignee",
            "asked_by",
        ),
    )
)
