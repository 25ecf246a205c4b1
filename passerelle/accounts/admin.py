from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from passerelle.core import audit
from passerelle.geography.models import Area
from passerelle.vocabularies.models import Term

from .admin_site import admin_site
from .models import Membership, Organisation, User


def _organisations_concerned(obj) -> list:
    """Whose audit log an administrator's change goes into (none: system-wide records)."""
    if isinstance(obj, Organisation):
        return [obj]
    if isinstance(obj, Membership):
        return [obj.organisation]
    if isinstance(obj, User) and obj.pk is not None:
        return [m.organisation for m in obj.memberships.select_related("organisation")]
    return []


class PolicyAdminMixin:
    """Admin rights come from the policy (admin.access), not from Django's per-model perms."""

    def _allowed(self, request):
        from passerelle import policy

        return policy.can(request.user, "admin.access")

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record_each(
            request.user,
            "admin.change" if change else "admin.add",
            obj,
            organisations=_organisations_concerned(obj),
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        audit.record_each(
            request.user, "admin.delete", obj, organisations=_organisations_concerned(obj)
        )
        super().delete_model(request, obj)


class MembershipInline(PolicyAdminMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("acronym", "name", "name_en", "type", "parent", "active")
    list_filter = ("type", "active")
    search_fields = ("acronym", "name", "name_en")


@admin.register(User, site=admin_site)
class UserAdmin(PolicyAdminMixin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor authentication (lost phone and codes)"))
    def reset_two_factor(self, request, queryset):
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit.record_each(
                request.user,
                "auth.2fa_reset",
                user,
                organisations=_organisations_concerned(user),
                detail={"by": "admin"},
            )
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d user: they set it up again at "
                "their next login.",
                "Two-factor authentication reset for %(count)d users: they set it up again at "
                "their next login.",
                count,
            )
            % {"count": count},
        )


@admin.register(Membership, site=admin_site)
class MembershipAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "active")
    list_filter = ("role", "organisation")


@admin.register(Term, site=admin_site)
class TermAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "vocabulary", "label_en", "label_fr", "parent", "active")
    list_filter = ("vocabulary", "active", "standard")
    search_fields = ("code", "label_en", "label_fr")


@admin.register(Area, site=admin_site)
class AreaAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("pcode", "name_fr", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("pcode", "name_fr", "name_en")
    exclude = ("geometry",)
