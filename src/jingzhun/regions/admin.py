from django.contrib import admin

from .models import RegionOffice


@admin.register(RegionOffice)
class RegionOfficeAdmin(admin.ModelAdmin):
    list_display = ("region", "name", "phone")
    search_fields = ("region__code", "region__name", "name")
    raw_id_fields = ("region",)
