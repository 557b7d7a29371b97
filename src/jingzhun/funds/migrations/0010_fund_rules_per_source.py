"""Fund rules per source (issue 21): ``FundRule`` keyed by (year, province, fund source), filled from the
fund policy rows' rules, which then leave ``FundPolicy`` (it keeps the fund-wide supervision numbers).

Each ``FundPolicy`` row's rules become the rule of every source it governed (``governed_sources``; empty: every
source), for the same year and province, so nothing changes for those sources. The sources a row did not govern
had no forbidden uses and no industry share: they get rows of their own, looser — no forbidden use, no
management-fee cap, the donor's or partner's purpose, receipts still required (and the row's stages) — once
nationally from the first national year, and in any province that set a row of its own (its row left them
ungoverned from its year). The management-fee cap of a copied rule is a share of its own source's yearly funds
(the central fund's cap was of the central funds, as before); the industry share is the central rule's only
(it was a requirement on the central 衔接资金, pooled with the other governed sources' money). Decision 90."""


import django.core.validators
import django.db.models.deletion
import jingzhun.funds.models
from decimal import Decimal
from django.db import migrations, models

SOURCES = ["central", "provincial", "city", "county", "integrated", "donation", "paired"]
LABEL = {"central": "中央财政资金", "provincial": "省级财政资金", "city": "市级财政资金", "county": "县级财政资金",
         "integrated": "统筹整合涉农资金", "donation": "社会捐赠资金", "paired": "结对帮扶单位资金"}  # fmt: skip
LOOSE = {  # the sources outside the central rules: their own name, purpose and basis
    "city": ("市级财政专项扶贫资金", "按市级财政扶贫资金管理办法确定的用途使用", "市级财政扶贫资金管理办法"),
    "county": ("县级财政专项扶贫资金", "按县级财政扶贫资金管理办法确定的用途使用", "县级财政扶贫资金管理办法"),
    "donation": ("社会扶贫捐赠资金", "按捐赠协议约定的用途使用，不得擅自改变", "《公益事业捐赠法》第十八条"),
    "paired": ("结对帮扶（东西部协作、定点帮扶）资金", "按帮扶双方协议约定的用途使用", "结对帮扶协议"),
}


def _name(row, source):
    """The name of a governed source's money after the central fund's: 省级财政衔接推进乡村振兴补助资金 beside
    中央财政衔接推进乡村振兴补助资金; the integrated money by its own name."""
    if source == "central":
        return row.fund_name
    if source == "integrated":
        return "统筹整合使用财政涉农资金"
    if source == "provincial" and row.fund_name.startswith("中央财政"):
        return "省级财政" + row.fund_name.removeprefix("中央财政")
    return f"{LABEL[source]}（参照{row.fund_name}）"[:60]


def _copied(row, source):
    # the industry share is a rule of the central 衔接资金 (the No. 1 documents' 55 % / 60 %): a province that
    # wants one on its own money sets it on its provincial rule
    share = row.industry_share if source == "central" else 0
    return {"fund_name": _name(row, source), "forbidden": list(row.forbidden or []), "industry_share": share,
            "management_fee_share": row.management_fee_share, "fee_base_sources": [source],
            "stages": row.stages, "retention_days": row.retention_days, "receipts_required": row.receipts_required,
            "basis": row.source}  # fmt: skip


def _loose(row, source):
    name, purpose, basis = LOOSE.get(source, (LABEL[source], "", ""))
    return {"fund_name": name, "purpose": purpose, "forbidden": [], "industry_share": 0,
            "management_fee_share": None, "fee_base_sources": [source], "stages": row.stages,
            "retention_days": row.retention_days, "receipts_required": row.receipts_required, "basis": basis}  # fmt: skip


def to_rules(apps, schema_editor):
    FundPolicy = apps.get_model("funds", "FundPolicy")
    FundRule = apps.get_model("funds", "FundRule")
    rows, national_seeded = [], set()
    for row in FundPolicy.objects.order_by("year", "province_id"):
        governed = set(row.governed_sources or SOURCES)
        for source in SOURCES:
            if source in governed:
                values = _copied(row, source)
            elif row.province_id is not None or source not in national_seeded:
                values = _loose(row, source)
            else:
                continue
            if row.province_id is None:
                national_seeded.add(source)
            rows.append(FundRule(year=row.year, province_id=row.province_id, fund_source=source, **values))
    if not any(r.province_id is None for r in rows):  # no policy row at all: the national rules of 2017
        base = FundPolicy(year=2017, fund_name="中央财政专项扶贫资金", governed_sources=["central", "provincial",
                          "integrated"], source="财农〔2017〕8号")  # fmt: skip
        for source in SOURCES:
            values = _copied(base, source) if source in base.governed_sources else _loose(base, source)
            rows.append(FundRule(year=2017, province_id=None, fund_source=source, **values))
    FundRule.objects.bulk_create(rows)


def to_policy(apps, schema_editor):
    """Back: each row's rules are its central rule's (governing the central family), as before."""
    FundPolicy = apps.get_model("funds", "FundPolicy")
    for rule in apps.get_model("funds", "FundRule").objects.filter(fund_source="central"):
        FundPolicy.objects.update_or_create(
            year=rule.year, province_id=rule.province_id,
            defaults={"fund_name": rule.fund_name, "forbidden": rule.forbidden, "industry_share": rule.industry_share,
                      "management_fee_share": rule.management_fee_share or 0, "stages": rule.stages,
                      "retention_days": rule.retention_days, "receipts_required": rule.receipts_required,
                      "governed_sources": ["central", "provincial", "integrated"]},
        )  # fmt: skip


class Migration(migrations.Migration):

    dependencies = [
        ('funds', '0009_payment_receipts'),
        ('regions', '0005_former_township_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='FundRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='年度')),
                ('fund_source', models.CharField(choices=[('central', '中央财政资金'), ('provincial', '省级财政资金'), ('city', '市级财政资金'), ('county', '县级财政资金'), ('integrated', '统筹整合涉农资金'), ('donation', '社会捐赠资金'), ('paired', '结对帮扶单位资金')], max_length=12, verbose_name='资金来源')),
                ('fund_name', models.CharField(default='中央财政专项扶贫资金', max_length=60, verbose_name='资金名称')),
                ('purpose', models.CharField(blank=True, max_length=200, verbose_name='使用要求')),
                ('forbidden', models.JSONField(blank=True, default=jingzhun.funds.models.default_forbidden, verbose_name='禁止列支的支出类别')),
                ('management_fee_share', models.DecimalField(blank=True, decimal_places=4, default=Decimal('0.01'), max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(0, '比例不能为负数。'), django.core.validators.MaxValueValidator(1, '比例不能超过 100%。')], verbose_name='项目管理费上限（占当年资金比例）')),
                ('fee_base_sources', models.JSONField(blank=True, default=list, verbose_name='管理费上限的计算基数（资金来源）')),
                ('industry_share', models.DecimalField(decimal_places=4, default=Decimal('0'), max_digits=5, validators=[django.core.validators.MinValueValidator(0, '比例不能为负数。'), django.core.validators.MaxValueValidator(1, '比例不能超过 100%。')], verbose_name='产业发展支出最低比例')),
                ('stages', models.JSONField(default=jingzhun.funds.models.default_stages, verbose_name='报账阶段及比例')),
                ('retention_days', models.PositiveSmallIntegerField(default=365, verbose_name='质保金保留天数（验收后）')),
                ('receipts_required', models.BooleanField(default=True, verbose_name='项目报账须附票据')),
                ('basis', models.CharField(blank=True, max_length=200, verbose_name='依据')),
                ('province', models.ForeignKey(blank=True, limit_choices_to={'level': 1}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='省份')),
            ],
            options={
                'verbose_name': '扶贫资金使用规则',
                'verbose_name_plural': '扶贫资金使用规则',
                'constraints': [models.UniqueConstraint(fields=('year', 'province', 'fund_source'), name='fundrule_one_per_year_province'), models.UniqueConstraint(condition=models.Q(('province__isnull', True)), fields=('year', 'fund_source'), name='fundrule_one_national_per_year')],
            },
        ),
        migrations.RunPython(to_rules, to_policy),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='forbidden',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='fund_name',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='governed_sources',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='industry_share',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='management_fee_share',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='receipts_required',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='retention_days',
        ),
        migrations.RemoveField(
            model_name='fundpolicy',
            name='stages',
        ),
    ]
