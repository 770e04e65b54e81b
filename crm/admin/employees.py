"""Employees' languages in the admin: on their own page, and on a user's page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from crm.models import EmployeeProfile


@admin.register(EmployeeProfile)
class EmployeeProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    list_filter = ("language",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")


class EmployeeProfileInline(admin.StackedInline):
    model = EmployeeProfile
    can_delete = False
    fields = ("language",)


class EmployeeUserAdmin(UserAdmin):
    """Django's user page with the employee's language on it."""

    inlines = [*UserAdmin.inlines, EmployeeProfileInline]


# django.contrib.auth registered its own page first (it comes first in INSTALLED_APPS).
admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), EmployeeUserAdmin)
