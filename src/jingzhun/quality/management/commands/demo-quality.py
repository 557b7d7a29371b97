"""``jingzhun demo-quality``: plant a few mistakes of several rules in the demo county's households — as
legacy or imported data holds them, written past the services (which refuse most of them) and audited — then
run the county's check, so that the 疑点数据核查 page and the 工作台 show findings after ``make demo``.

Planted: a relationship outside the code list (Q04), a second 户主 (Q05), work without months (Q09), a landline
as the household's phone (Q13), an exited household's member without 大病保险 (Q16), a child of school age
not at school (Q19) and a 家庭人口数 one above the members (Q20)."""

import datetime as dt

from django.db import transaction
from django.db.models import F

from jingzhun.core import audit
from jingzhun.core.context import acting_as
from jingzhun.core.models import AuditAction
from jingzhun.quality import selectors, services
from jingzhun.quality.models import QualityRun
from jingzhun.quality.rules import school_age
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, HouseholdYear, Member

PLANTED = 2  # households per planted mistake


class Command(DemoCountyCommand):
    help = "Plant data-quality findings of several rules in the demo county and run the county's check."

    def seed_county(self, county, seed):
        if QualityRun.objects.filter(region=county).exists():
            self.stdout.write(f"{county.name} 已有疑点数据核查，跳过。")
            return
        year = selectors.default_year(county.code)
        with acting_as(source="command:demo-quality"), transaction.atomic():
            planted = self._plant(county, year)
        with acting_as(source="command:demo-quality"):
            run = services.quality_check(user=None, region=county, year=year, now=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"在{county.name}埋入疑点 {planted} 处；{county.name} {year} 年度核查 {run.households:,} 户，"
                f"疑点 {run.findings:,} 条。"
            )
        )

    def _plant(self, county, year: int) -> int:
        households = Household.objects.filter(region__code__range=county.subtree_range(), status__in=(HouseholdStatus.REGISTERED,
                                                                           HouseholdStatus.EXITED))  # fmt: skip
        members = Member.objects.filter(household__in=households, is_active=True).order_by("id")
        picks = {
            "relationship": (members.filter(relationship="other"), {"relationship": "之表哥"}),
            "second head": (members.filter(relationship="spouse"), {"relationship": "head"}),
            "work": (members.filter(work_status="none", months_worked=0, birth_date__lt=dt.date(year - 20, 1, 1)),
                     {"work_status": "out_of_province"}),
            "insurance": (members.filter(household__status=HouseholdStatus.EXITED, serious_illness_insurance=True),
                          {"serious_illness_insurance": False}),
            "school": (members.filter(birth_date__gt=school_age(year)[0], birth_date__lte=school_age(year)[1])
                       .exclude(schooling="none"), {"schooling": "none"}),
        }  # fmt: skip
        n = 0
        entries = []
        for rows, values in picks.values():
            for m in rows[:PLANTED]:
                before = {k: getattr(m, k) for k in values}
                Member.objects.filter(pk=m.pk).update(**values)
                entries.append(audit.entry_for(AuditAction.UPDATE, m, before=before, after=values))
                n += 1
        for h in households.order_by("id")[:PLANTED]:
            Household.objects.filter(pk=h.pk).update(phone="0855-3331234")
            entries.append(audit.entry_for(AuditAction.UPDATE, h, before={"phone": h.phone},
                                           after={"phone": "0855-3331234"}))  # fmt: skip
            n += 1
        sized = HouseholdYear.objects.filter(household__in=households, year=year).order_by("-id")[:PLANTED]
        for y in sized:
            HouseholdYear.objects.filter(pk=y.pk).update(household_size=F("household_size") + 1)
            entries.append(audit.entry_for(AuditAction.UPDATE, y, before={"household_size": y.household_size},
                                           after={"household_size": y.household_size + 1}))  # fmt: skip
            n += 1
        audit.record_many(entries)
        return n
