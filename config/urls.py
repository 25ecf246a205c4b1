from django.urls import include, path

from passerelle.accounts.admin_site import admin_site
from passerelle.core import urls as core_urls
from passerelle.core.views import set_language
from passerelle.incidents.views import home

urlpatterns = [
    # core's pages plus the home dashboard, which reads incidents (core may not import them)
    path("", include(([path("", home, name="home"), *core_urls.urlpatterns], "core"))),
    path("accounts/", include("passerelle.accounts.urls")),
    path("areas/", include("passerelle.geography.urls")),
    path("incidents/", include("passerelle.incidents.urls")),
    path("sharing/", include("passerelle.sharing.urls")),
    path("referrals/", include("passerelle.referrals.urls")),
    path("directory/", include("passerelle.directory.urls")),
    path("requests/", include("passerelle.inforequests.urls")),
    path("coordination/", include("passerelle.coordination.urls")),
    path("imports/", include("passerelle.imports.urls")),
    path("context/", include("passerelle.context.urls")),
    path("api/", include("passerelle.api.urls")),
    path("accounts/api-tokens/", include("passerelle.api.token_urls")),
    path("pulls/", include("passerelle.pulls.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin_site.urls),
]
