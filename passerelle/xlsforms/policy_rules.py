"""The XLSForms' family, registered with the policy when the app is ready: a form version and
its mapping are read and changed by the holders of `import.run` in the form's organisation,
and by no one else; outsiders get the same 404 as for a missing form, the refusal audited."""

from passerelle.policy.gate import organisations
from passerelle.policy.registry import Family, In, register

from .models import FormMapping, FormVersion


def _importing(user) -> set[int]:
    return {o.pk for o in organisations(user, "import.run")}


register(
    Family(
        "xlsforms",
        (FormVersion,),
        rules={"import.run": In("organisation_id", _importing)},
        owner=lambda form: form.organisation,
        related=("organisation", "uploaded_by"),
    )
)
register(
    Family(
        "xlsform_mappings",
        (FormMapping,),
        rules={"import.run": In("form_version__organisation_id", _importing)},
        owner=lambda mapping: mapping.form_version.organisation,
        related=("form_version__organisation",),
    )
)
