"""The imports' family, registered with the policy when the app is ready: an import batch
(its file, its errors, its counts) is read and acted on by the holders of `import.run` in the
batch's organisation, and by no one else; outsiders get the same 404 as for a missing batch,
the refusal audited."""

from passerelle.policy.gate import organisations
from passerelle.policy.registry import Family, In, register

from .models import ImportBatch


def _importing(user) -> set[int]:
    return {o.pk for o in organisations(user, "import.run")}


BATCH_RULES = {"import.run": In("organisation_id", _importing)}

register(
    Family(
        "imports",
        (ImportBatch,),
        rules=BATCH_RULES,
        owner=lambda batch: batch.organisation,
        related=("organisation", "created_by"),
    )
)
