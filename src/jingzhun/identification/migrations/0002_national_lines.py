"""The national poverty lines at current prices (DOMAIN.md §4). 2017 and 2018 are not confirmed by a primary
source and are left for an administrator to enter."""

from decimal import Decimal

from django.db import migrations

LINES = {2011: "2536", 2012: "2625", 2013: "2736", 2014: "2800", 2015: "2855", 2016: "2952", 2019: "3218",
         2020: "4000"}  # fmt: skip
SOURCE = "国家统计局：2010 年不变价 2300 元/人·年按当年价格折算"


def load(apps, schema_editor):
    PovertyLine = apps.get_model("identification", "PovertyLine")
    PovertyLine.objects.bulk_create(
        [
            PovertyLine(
                year=year, amount=Decimal(amount), source=SOURCE + ("（约数）" if year == 2020 else "")
            )
            for year, amount in LINES.items()
        ],
        ignore_conflicts=True,
    )


def unload(apps, schema_editor):
    apps.get_model("identification", "PovertyLine").objects.filter(
        province__isnull=True, year__in=list(LINES)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("identification", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
