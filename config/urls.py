from django.urls import include, path

from passerelle.accounts.admin_site import admin_site
from passerelle.core.views import set_language

urlpatterns = [
    path("", include("passerelle.core.urls")),
    path("accounts/", include("passerelle.accounts.urls")),
    path("areas/", include("passerelle.geography.urls")),
    path("incidents/", include("passerelle.incidents.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin_site.urls),
]
