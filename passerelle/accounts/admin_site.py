"""The Django admin, open to system administrators only (policy action admin.access)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PasserelleAdminSite(admin.AdminSite):
    site_header = _("Passerelle administration")
    site_title = _("Passerelle administration")
    index_title = _("System administration")

    def has_permission(self, request):
        from passerelle import policy

        return request.user.is_active and policy.can(request.user, "admin.access")


admin_site = PasserelleAdminSite(name="admin")
