"""The directory's families, registered with the policy when the app is ready: focal points
are read by every `directory.view` holder and named by their organisation's
`focalpoint.manage` holders or a `directory.manage` holder."""

from passerelle.policy.gate import organisations
from passerelle.policy.registry import Family, Holds, In, register

from .models import FocalPoint


def _names_focal_points(user):
    return {o.pk for o in organisations(user, "focalpoint.manage")}


FOCAL_POINT_RULES = {
    "directory.view": Holds("directory.view"),
    "focalpoint.manage": Holds("directory.manage") | In("organisation_id", _names_focal_points),
}
register(
    Family(
        "focal points",
        (FocalPoint,),
        rules=FOCAL_POINT_RULES,
        owner=lambda focal_point: focal_point.organisation,
        related=("organisation", "thematic_area", "user", "place", "deputy"),
    )
)
