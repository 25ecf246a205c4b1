"""The pulls' family, registered with the policy when the app is ready: a server connection
(its address, its schedule, its last results; never its credentials, which no page shows) is
read and acted on by the holders of `import.run` in the connection's organisation, and by no
one else; outsiders get the same 404 as for a missing connection, the refusal audited."""

from passerelle.policy.gate import organisations
from passerelle.policy.registry import Family, In, register

from .models import ServerConnection


def _importing(user) -> set[int]:
    return {o.pk for o in organisations(user, "import.run")}


CONNECTION_RULES = {"import.run": In("organisation_id", _importing)}

register(
    Family(
        "server connections",
        (ServerConnection,),
        rules=CONNECTION_RULES,
        owner=lambda connection: connection.organisation,
        related=("organisation", "created_by"),
    )
)
