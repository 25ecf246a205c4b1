"""The directory's families, registered with the policy when the app is ready: focal points
are read by every `directory.view` holder and named by their organisation's
`focalpoint.manage` holders or a `directory.manage` holder."""

from passerelle.policy.gate import organisations
from passerelle.policy.registry import Family, Holds, In, register, register_action

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


# Actions derived from roles and data, asked by templates with `{% can %}`.
def _adds_focal_points(user, obj=None) -> bool:
    from . import services

    return services.manageable_organisations(user).exists()


def _describes(user, organisation) -> bool:
    """Name the organisation's focal points and describe it (its actor profile)."""
    from . import services

    return organisation is not None and services.may_manage(user, organisation)


register_action("focalpoint.create", _adds_focal_points)
register_action("organisation.describe", _describes)
