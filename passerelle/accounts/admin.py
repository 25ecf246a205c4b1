from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from passerelle.geography.models import Area
from passerelle.vocabularies.models import Term

from .admin_site import admin_site
from .models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("acronym", "name", "type", "parent", "active")
    list_filter = ("type", "active")
    search_fields = ("acronym", "name")


@admin.register(User, site=admin_site)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active")


@admin.register(Membership, site=admin_site)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "active")
    list_filter = ("role", "organisation")


@admin.register(Term, site=admin_site)
class TermAdmin(admin.ModelAdmin):
    list_display = ("code", "vocabulary", "label_en", "label_fr", "parent", "active")
    list_filter = ("vocabulary", "active", "standard")
    search_fields = ("code", "label_en", "label_fr")


@admin.register(Area, site=admin_site)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("pcode", "name_fr", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("pcode", "name_fr", "name_en")
    exclude = ("geometry",)
