"""``jingzhun demo-projects``: a realistic project library for the demo county — projects of the demo township's
villages at every stage, replayed through the services day by day (so every step, notice and audit entry is
what the procedure writes): one transferred with its 经营性 asset and a year's income distributed to the
households, one accepted and awaiting its final 报账, one being built, one in the year's plan, one just listed
(its 公告 on the portal), one appraised, one under the township's 公示, one declared, one under the village's
公示 and a draft still lacking its performance target. Also the demo logins of a sector department
(``department``) and county finance (``finance``) who take their steps.

报账 is a payment (issue 21): the projects are paid in the stages of 报账制 from the county's 统筹整合涉农资金
registered here, through the funds services — so ``funds-reconcile`` finds every project's 已报账 equal to its
payments. The command lives in the funds app for that reason (funds stands above projects)."""

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.accounts.demo import DEMO_PASSWORD
from jingzhun.accounts.services import user_create_or_reset
from jingzhun.core.context import acting_as
from jingzhun.core.uploads import tiny_pdf
from jingzhun.funds import services as funds_services
from jingzhun.funds.choices import Category, PaymentStatus
from jingzhun.funds.choices import Stage as PayStage
from jingzhun.funds.models import Allocation, Payment
from jingzhun.projects import services
from jingzhun.projects.models import Project
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import demo_places
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, HouseholdYear

# (name, category, budget, sources, how far it goes, asset kind)
PLAN = [
    (
        "茶叶加工厂房及设备购置",
        "industry",
        "800000",
        {"central": "500000", "integrated": "300000"},
        "transfer",
        "operating",
    ),
    (
        "村组道路硬化 3.2 公里",
        "infrastructure",
        "960000",
        {"central": "300000", "county": "660000"},
        "accept",
        "",
    ),
    (
        "安全饮水巩固提升工程",
        "infrastructure",
        "450000",
        {"provincial": "100000", "county": "350000"},
        "progress",
        "",
    ),
    # the year plan's 衔接资金 keeps its industry share (60 % from 2023): the roads mostly on county money
    ("生产便道建设", "infrastructure", "300000", {"county": "300000"}, "plan", ""),
    ("蔬菜种植大棚 40 亩", "industry", "520000", {"integrated": "420000", "paired": "100000"}, "approve", ""),
    (
        "村级光伏扶贫电站 300 千瓦",
        "industry",
        "1800000",
        {"central": "1200000", "donation": "600000"},
        "appraise",
        "",
    ),
    (
        "肉牛养殖合作社圈舍",
        "industry",
        "650000",
        {"central": "450000", "self": "200000"},
        "township_notice",
        "",
    ),
    ("小型农田水利设施修缮", "infrastructure", "280000", {"county": "280000"}, "declare", ""),
    ("村卫生室标准化建设", "public_service", "200000", {"provincial": "200000"}, "village_notice", ""),
    ("农村危房改造", "housing", "400000", {"central": "400000"}, "draft", ""),
]
ORDER = ["draft", "village_notice", "declare", "review", "township_notice", "appraise", "approve", "plan",
         "progress", "accept", "settle", "transfer"]  # fmt: skip


@contextlib.contextmanager
def on_day(day: dt.date):
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


class Command(DemoCountyCommand):
    help = (
        "Create the project library's demo records (projects of the demo township at every stage, an asset)."
    )

    def seed_county(self, county, seed):
        town, _other, village = demo_places(county)
        if village is None:
            raise CommandError(f"{county.name} 下没有村委会。")
        if Project.objects.filter(region__code__startswith=county.code[:6]).exists():
            self.stdout.write(f"{county.name} 已有扶贫项目，跳过。")
            return
        department = user_create_or_reset(
            username="department", password=DEMO_PASSWORD, role=Role.DEPARTMENT, region=county,
            full_name=f"{county.name}农业农村局（行业部门）",
        )  # fmt: skip
        finance = user_create_or_reset(
            username="finance", password=DEMO_PASSWORD, role=Role.FINANCE, region=county,
            full_name=f"{county.name}财政局",
        )  # fmt: skip
        # the township's villages with the most households (the demo's beneficiaries come from them)
        villages = list(
            Region.objects.filter(parent=town, level=RegionLevel.VILLAGE)
            .annotate(n=Count("households"))
            .order_by("-n", "code")[:4]
        )
        today = timezone.localdate()
        made = []
        with acting_as(source="command:demo-projects"), transaction.atomic():
            money = self._money(county, today)
            for i, (name, category, budget, sources, until, asset_kind) in enumerate(PLAN):
                place = villages[i % len(villages)] if i % 3 else (villages[0] if villages else village)
                made.append(self._replay(place, name, category, budget, sources, until, asset_kind, today,
                                         department=department, finance=finance, money=money))  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"{county.name} 扶贫项目 {len(made)} 个："))
        for project in made:
            self.stdout.write(f"  {project.region.name} {project.name}：{project.get_stage_display()}")
        self.stdout.write(f"  演示账号 department（行业部门论证）、finance（财政报账），密码 {DEMO_PASSWORD}")

    def _money(self, county, today) -> Allocation:
        """The county's 统筹整合涉农资金 of the year, arrived at the start of the year: what the projects are paid
        from."""
        start = dt.date(today.year, 1, 15)
        fund = funds_services.fund_register(
            user=None, source="integrated", year=today.year, region=county, amount="3000000", issued_on=start,
            document_number=f"{county.name}统筹整合〔{today.year}〕3号", title="统筹整合财政涉农资金（项目库）",
        )  # fmt: skip
        (allocation,) = funds_services.allocations_fix(
            user=None, holder=fund, amounts={county.code: "3000000"}, document_number=fund.document_number,
            allocated_on=start,
        )  # fmt: skip
        return funds_services.allocation_arrive(user=None, allocation=allocation, arrived_on=start)

    def _replay(
        self,
        village,
        name,
        category,
        budget,
        sources,
        until,
        asset_kind,
        today,
        *,
        department,
        finance,
        money,
    ):
        reach = ORDER.index(until)
        # the two projects under a running 公示 open it three days ago; the others began long enough ago
        day = {
            "village_notice": today - dt.timedelta(days=3),
            "township_notice": today - dt.timedelta(days=18),
        }.get(until, today - dt.timedelta(days=12 * reach + 25))
        households = list(
            Household.objects.filter(
                region=village, status__in=(HouseholdStatus.REGISTERED, HouseholdStatus.EXITED)
            ).order_by("id")[:12]
        )
        step = lambda: day  # noqa: E731

        with on_day(step()):
            project = services.project_create(
                user=None, region=village, year=today.year, name=name, category=category, budget=budget,
                starts_on=day + dt.timedelta(days=60), ends_on=day + dt.timedelta(days=240),
                responsible_unit=f"{village.parent.name}人民政府", implementer=f"{village.name}村民委员会",
                tasks=f"{name}，按设计图纸和预算实施", participation="村民代表大会讨论确定，群众投工投劳并参与监督",
                benefit_mechanism="优先吸纳建档立卡户务工，收益按户分红", fundings=sources,
                targets=[] if until == "draft" else [("output", "完成建设任务", "100%"), ("satisfaction", "受益群众满意度", "≥90%")],
            )  # fmt: skip
            services.beneficiaries_set(user=None, project=project, household_ids=[h.pk for h in households])
        if reach == 0:
            return project

        def at(days, write):
            nonlocal day
            day = day + dt.timedelta(days=days)
            with on_day(day):
                write()

        def pay(stage, share, note):
            """报账 of a stage: the payment to the builder, made by county finance and paid by the bank."""
            payment = funds_services.project_payment_create(
                user=finance, allocation=money, project=project, stage=stage, amount=Decimal(budget) * Decimal(share),
                purpose=note, payee_name="雷山县兴农建设有限公司", bank_name="中国农业银行雷山支行",
                bank_account="6228480000123456789",
                category=Category.INDUSTRY if category == "industry" else Category.FACILITIES,
                receipts=[ContentFile(tiny_pdf(f"invoice {project.pk} {stage}"), name=f"发票-{stage}.pdf")],
                receipts_note=f"施工单位开具的{note}发票一张",
            )  # fmt: skip
            Payment.objects.filter(pk=payment.pk).update(
                status=PaymentStatus.PAID, paid_on=timezone.localdate()
            )

        at(0, lambda: services.notice_open(user=None, project=project))
        if reach >= ORDER.index("declare"):
            at(11, lambda: services.declare(user=None, project=project, note="经村民代表大会通过"))
        if reach >= ORDER.index("declare") + 1:
            at(3, lambda: services.review(user=None, project=project, passed=True, note="符合申报条件"))
        if reach >= ORDER.index("township_notice"):
            at(1, lambda: services.notice_open(user=None, project=project))
        if reach >= ORDER.index("appraise"):
            at(
                11,
                lambda: services.appraise(user=department, project=project, passed=True, note="技术方案可行"),
            )
        if reach >= ORDER.index("approve"):
            at(
                3,
                lambda: services.approve(
                    user=None, project=project, passed=True, note="县扶贫开发领导小组审定"
                ),
            )
        if reach >= ORDER.index("plan"):
            at(2, lambda: services.plan(user=None, project=project, note="列入本年度实施计划"))
        if reach >= ORDER.index("progress"):
            at(5, lambda: pay(PayStage.START, "0.30", "开工预付款 30%"))
            for pct in (30, 60) if until == "progress" else (30, 60, 100):
                at(7, lambda pct=pct: services.progress_report(user=None, project=project, percent=pct, note=f"完成 {pct}%"))  # fmt: skip
        if reach >= ORDER.index("accept"):
            at(1, lambda: pay(PayStage.BASIC, "0.40", "基本完工进度款 40%"))
        if reach >= ORDER.index("accept"):
            at(3, lambda: services.accept(user=None, project=project, passed=True, team="县农业农村局、财政局、乡镇和村代表", findings="工程质量合格，资料齐全"))  # fmt: skip
        if reach >= ORDER.index("settle"):
            at(2, lambda: pay(PayStage.ACCEPTED, "0.25", "竣工验收合格后结算 25%，质保金 5% 待期满"))
        if reach >= ORDER.index("transfer"):
            spec = {"name": name.replace("购置", ""), "kind": asset_kind, "owner": f"{village.name}股份经济合作社",
                    "value": budget, "maintainer": f"{village.name}村民委员会"}  # fmt: skip
            at(1, lambda: services.transfer(user=None, project=project, assets=[spec], note="确权到村集体"))
            self._income(project)
        project.refresh_from_db()
        return project

    def _income(self, project):
        """The asset's income of the latest year all its households have a record of (skipped if closed)."""
        asset = project.assets.first()
        ids = list(asset.beneficiaries.values_list("pk", flat=True))
        year = HouseholdYear.objects.filter(household_id__in=ids).aggregate(y=Max("year"))["y"]
        if not ids or year is None:
            return
        try:
            services.income_distribute(
                user=None, asset=asset, year=year, amount="48000", note="光伏和加工厂年度收益"
            )
        except Exception as exc:
            self.stdout.write(f"  收益分配跳过：{exc}")
