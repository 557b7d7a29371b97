from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class JingzhunUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Jingzhun", {"fields": ("region", "role")}))
    list_display = ("username", "first_name", "region", "role", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("region",)
