"""``jingzhun demo-funds``: the demo county's money, through the services: a central fund passed down nation →
province → city → county, a provincial fund and a county's integrated fund, projects paid in stages, household
subsidies paid through a bank batch (a few failed and re-issued), the management fee, a village notice — and a
few planted abuses that the supervision rules then find (a shared account, a cadre's household, idle money, a
payment without acceptance, a dead person paid, a household far above the median). Ends with reconciliation."""

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.core import crypto
from jingzhun.core.context import acting_as
from jingzhun.core.uploads import tiny_pdf
from jingzhun.funds import alerts, services
from jingzhun.funds.models import Allocation, Fund, Payment, VillageCadre
from jingzhun.funds.reconcile import differences, project_differences
from jingzhun.projects.models import Project
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import demo_places
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, MemberChange

PAID_HOUSEHOLDS = 60


class Command(DemoCountyCommand):
    help = "Create the funds app's demo records (funds, allocations, payments, a notice, planted abuses, alerts)."

    def seed_county(self, county, seed):
        if Fund.objects.filter(document_number__startswith="演示").exists():
            self.stdout.write(f"{county.name} 已有演示资金，跳过。")
            return
        _town, _other, village = demo_places(county)
        rng = random.Random(seed)
        today = timezone.localdate()
        year = today.year
        households = list(
            Household.objects.filter(
                region__code__range=county.subtree_range(),
                status__in=[HouseholdStatus.REGISTERED, HouseholdStatus.EXITED, HouseholdStatus.RETURNED],
            ).order_by("id")[: PAID_HOUSEHOLDS + 2]
        )
        if len(households) < 10 or village is None:
            raise CommandError("演示县的在册贫困户太少，请先运行 jingzhun demo-data。")
        with acting_as(source="command:demo-funds"), transaction.atomic():
            self._seed(county, village, households, rng, today, year)
        found = [*differences(year=year), *project_differences(year=year)]
        self.stdout.write(
            self.style.SUCCESS(f"{county.name} 演示资金已生成；对账{'平衡' if not found else '不平'}。")
        )

    def _seed(self, county, village, households, rng, today, year):
        province = Region.objects.get(code=county.code[:2].ljust(12, "0"))
        city = Region.objects.get(code=county.code[:4].ljust(12, "0"))
        arrived = today - dt.timedelta(days=60)
        central = services.fund_register(
            user=None, source="central", year=year, document_number=f"演示财农〔{year}〕1号",
            title="中央财政衔接推进乡村振兴补助资金", amount="80000000", issued_on=today - dt.timedelta(days=80),
        )  # fmt: skip
        (p,) = services.allocations_fix(user=None, holder=central, amounts={province.code: "30000000"},
                                        document_number=f"演示财农〔{year}〕1号")  # fmt: skip
        (c,) = services.allocations_fix(user=None, holder=p, amounts={city.code: "8000000"},
                                        document_number=f"演示黔财农〔{year}〕12号")  # fmt: skip
        (k,) = services.allocations_fix(user=None, holder=c, amounts={county.code: "3000000"},
                                        document_number=f"演示州财农〔{year}〕7号")  # fmt: skip
        services.allocation_arrive(user=None, allocation=k, arrived_on=arrived)
        prov_fund = services.fund_register(
            user=None, source="provincial", year=year, document_number=f"演示黔财农〔{year}〕20号",
            title="省级财政衔接资金", amount="5000000", region=province,
        )  # fmt: skip
        (pk,) = services.allocations_fix(user=None, holder=prov_fund, amounts={city.code: "2000000"},
                                         document_number=f"演示黔财农〔{year}〕20号")  # fmt: skip
        (pk2,) = services.allocations_fix(user=None, holder=pk, amounts={county.code: "600000"},
                                          document_number=f"演示州财农〔{year}〕21号")  # fmt: skip
        services.allocation_arrive(
            user=None, allocation=pk2, arrived_on=today - dt.timedelta(days=120)
        )  # 滞留
        integrated = services.fund_register(
            user=None, source="integrated", year=year, document_number=f"演示县财〔{year}〕3号",
            title="统筹整合涉农资金", amount="1200000", region=county,
        )  # fmt: skip
        (own,) = services.allocations_fix(user=None, holder=integrated, amounts={county.code: "1200000"},
                                          document_number=f"演示县财〔{year}〕3号")  # fmt: skip
        services.allocation_arrive(user=None, allocation=own, arrived_on=arrived)
        k = Allocation.objects.get(pk=k.pk)

        # 一卡通 accounts (bulk: encrypted and digested per row)
        for h in households:
            h.bank_name = rng.choice(
                ["雷山县农村信用合作联社", "中国农业银行雷山支行", "中国邮政储蓄银行雷山支行"]
            )
            h.bank_account = f"6217{rng.randrange(10**14, 10**15)}"
            h.bank_account_digest = crypto.digest(h.bank_account)
        shared = households[1]  # planted: household 2 paid to household 1's account (代领)
        households[2].bank_account, households[2].bank_account_digest = (
            shared.bank_account,
            shared.bank_account_digest,
        )
        Household.objects.bulk_update(households, ["bank_name", "bank_account", "bank_account_digest"])

        # household subsidies through a bank batch
        payments = []
        for i, h in enumerate(households[:PAID_HOUSEHOLDS]):
            head = h.members.filter(is_active=True).order_by("id").first()
            # subsidies by the household's persons (奖补 per person), so that only the planted one stands out
            # per person; planted: far above the county's median per person
            persons = h.members.filter(is_active=True).count() or 1
            amount = "30000" if i == 5 else str(rng.choice([300, 400, 500, 600]) * persons)
            payments.append(services.household_payment_create(
                user=None, allocation=own if i % 3 == 0 else k, id_number=head.id_number, amount=amount,
                purpose=rng.choice(["产业发展奖补", "小额信贷贴息", "务工交通补助"]),
            ))  # fmt: skip
        services.payments_approve(user=None, payments=payments)
        batch = services.batch_create(user=None, county=county)
        rows = [["流水号", "结果", "银行流水号", "失败原因"]]
        for i, p in enumerate(payments):
            rows.append(
                [p.reference, "失败", "", "户名与账号不符"]
                if i in (7, 19, 33)
                else [p.reference, "成功", f"NX{p.pk:08d}", ""]
            )
        services.batch_return(user=None, batch=batch, rows=rows, file_name="演示回盘.xlsx")
        services.payment_reissue(user=None, payment=Payment.objects.get(pk=payments[7].pk))

        # planted: the head of a paid household is the village's 村主任; a paid person recorded dead before
        cadre_home = households[10]
        head = cadre_home.members.filter(is_active=True).order_by("id").first()
        VillageCadre.objects.create(region_id=cadre_home.region_id, name=head.name, id_number=head.id_number,
                                    post="村委会主任", household=cadre_home)  # fmt: skip
        dead = households[12].members.filter(is_active=True).order_by("id").first()
        MemberChange.objects.create(household=households[12], kind="death", member=dead, name=dead.name,
                                    effective_on=today - dt.timedelta(days=30), business_year=year, reason="病故")  # fmt: skip

        # projects paid in stages (报账制); one accepted and paid in full
        projects = [
            Project.objects.create(
                region=village,
                year=year,
                name=name,
                category=cat,
                budget=Decimal(budget),
                stage=stage,
                accepted_on=accepted,
            )
            for name, cat, budget, stage, accepted in [
                ("村集体茶叶加工厂", "industry", "600000", "accepted", today - dt.timedelta(days=20)),
                ("组组通硬化路", "infrastructure", "400000", "implementing", None),
                ("人饮安全巩固提升", "infrastructure", "150000", "implementing", None),
            ]
        ]

        def receipt() -> dict:  # 报账 against receipts: a small PDF made here stands for the scanned invoice
            return {"receipts": [ContentFile(tiny_pdf("demo invoice"), name="发票.pdf")],
                    "receipts_note": "施工单位开具的工程款发票一张"}  # fmt: skip

        account = dict(
            payee_name="雷山县兴农建设有限公司",
            bank_name="中国农业银行雷山支行",
            bank_account="6228480000123456789",
        )
        tea, road, water = projects
        for stage, amount in [("start", "180000"), ("basic", "240000"), ("accepted", "150000")]:
            services.project_payment_create(user=None, allocation=k, project=tea, stage=stage, amount=amount,
                                            purpose="", category="industry", **account, **receipt())  # fmt: skip
        services.project_payment_create(user=None, allocation=k, project=road, stage="start", amount="120000",
                                        purpose="", category="facilities", **account, **receipt())  # fmt: skip
        services.project_payment_create(user=None, allocation=k, project=water, stage="start", amount="45000",
                                        purpose="", category="facilities", **account, **receipt())  # fmt: skip
        services.fee_payment_create(user=None, allocation=k, amount="20000", purpose="项目评审和验收",
                                    payee_name=f"{county.name}乡村振兴局", bank_name="中国农业银行雷山支行",
                                    bank_account="6228480000987654321")  # fmt: skip
        # planted: a legacy final payment of a project never accepted (loaded from the old system: no service)
        legacy = Payment(allocation=k, region=village, year=year, kind="project", category="facilities", project=water,
                         stage="accepted", payee_name="雷山县兴农建设有限公司", amount=Decimal("30000"),
                         purpose="历史数据导入：尾款", status="paid", paid_on=today - dt.timedelta(days=3))  # fmt: skip
        legacy.save()
        # the old system recorded the project's 报账 with it (its 已报账 agrees with its money: the abuse is the
        # missing 验收, which the alert finds, not a gap the reconciliation would report)
        Project.objects.filter(pk=water.pk).update(settled=F("settled") + legacy.amount)
        Allocation.objects.filter(pk=k.pk).update(
            balance=Allocation.objects.get(pk=k.pk).balance - legacy.amount
        )
        Payment.objects.filter(project__isnull=False, status="pending").update(status="paid", paid_on=today)
        Payment.objects.filter(kind="fee", status="pending").update(status="paid", paid_on=today)

        services.notice_publish(user=None, region=village, year=year, starts_on=today - dt.timedelta(days=3))
        services.notice_publish(user=None, region=county, year=year, starts_on=today - dt.timedelta(days=3))
        n = alerts.alerts_run(region=county.code, year=year, today=today)
        self.stdout.write(f"监督预警 {n} 条。")
