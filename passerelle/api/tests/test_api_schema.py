"""The OpenAPI schema is valid, complete and generated without a warning."""

from __future__ import annotations

import yaml
from django.core.management import call_command

from passerelle.api import urls


def test_the_schema_is_valid_and_names_every_endpoint(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    served = {
        "/api/" + str(p.pattern).replace("<uuid:public_id>", "{public_id}")
        for p in urls.urlpatterns
        if p.name not in ("schema", "docs", "not_found")
    }
    assert served == set(schema["paths"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
