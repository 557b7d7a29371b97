"""The national fund rules as published: 《中央财政专项扶贫资金管理办法》(财农〔2017〕8号) from 2017, and the
衔接推进乡村振兴补助资金 (财农〔2021〕19号) from 2021 with its industry share (2022: at least 55 %, 2023: 60 %).
Policy data: an administrator changes them through ``funds.services.policy_set``."""

from django.db import migrations

FORBIDDEN = ["admin_costs", "vehicles", "bonuses", "enterprise_losses", "buildings", "budget_gaps",
             "capital_construction", "urban", "unrelated"]  # fmt: skip
ROWS = [
    (2017, "中央财政专项扶贫资金", "0", "财农〔2017〕8号"),
    (2021, "中央财政衔接推进乡村振兴补助资金", "0", "财农〔2021〕19号"),
    (2022, "中央财政衔接推进乡村振兴补助资金", "0.55", "用于产业发展的比重原则上不低于55%"),
    (2023, "中央财政衔接推进乡村振兴补助资金", "0.60", "用于产业发展的比重原则上不低于60%"),
]


def add(apps, schema_editor):
    FundPolicy = apps.get_model("funds", "FundPolicy")
    for year, name, share, source in ROWS:
        FundPolicy.objects.get_or_create(
            year=year, province=None,
            defaults={"fund_name": name, "industry_share": share, "forbidden": FORBIDDEN, "source": source,
                      "governed_sources": ["central", "provincial", "integrated"]},
        )  # fmt: skip


def remove(apps, schema_editor):
    apps.get_model("funds", "FundPolicy").objects.filter(year__in=[r[0] for r in ROWS], province=None).delete()


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
