"""The OpenAPI schema and its docs page, public (they describe the API, hold no data), served
from local files (drf-spectacular-sidecar) and compatible with the site's CSP: the Swagger UI
page loads its start-up script from the same URL (`?script`), no inline script or style."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from passerelle.policy.decorators import PUBLIC


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "passerelle.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token (pas_…), created on the account's API tokens page.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "passerelle.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class Schema(SpectacularAPIView):
    passerelle_permission = PUBLIC
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class Docs(SpectacularSwaggerSplitView):
    passerelle_permission = PUBLIC
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
