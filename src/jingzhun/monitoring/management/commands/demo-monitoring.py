"""``jingzhun demo-monitoring``: the monitoring app's records for the demo county, consistent with the monitoring
periods the registry's demo data already holds (2021 on), and a few cases waiting at each step in the demo
village so that each demo login finds work at its own step.

1. The national monitoring line of every year from 2021 (the demo's figures, said to be the demo's).
2. Every monitoring period of the county gets its case, set-based: a confirmed 纳入监测 procedure dated from the
   period's start, the case 监测帮扶中 (open period) or 风险已消除 (ended period).
3. In the demo village, households replayed through the services day by day: two clues waiting for the
   township, and cases at 待入户核实 (one past the 15-day clock), 待民主评议, 待公示, on a running 监测对象公示,
   待乡镇审核 and 待县级确认.
"""

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from jingzhun.core import audit
from jingzhun.core.context import acting_as
from jingzhun.core.models import AuditAction
from jingzhun.identification import services as procedure
from jingzhun.identification.choices import ApplicationKind, Stage
from jingzhun.identification.models import Application
from jingzhun.monitoring import selectors, services
from jingzhun.monitoring.choices import CaseState
from jingzhun.monitoring.models import Case, MonitoringLine
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.selectors import demo_places
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.demo import DemoGenerator, monitoring_line
from jingzhun.registry.models import Household, Monitoring
from jingzhun.registry.services import households_register

FIRST_YEAR = 2021
STEPS = ("clue", "clue", "late", "accepted", "verified", "deliberated", "publicity", "review", "confirm")


@contextlib.contextmanager
def on_day(day: dt.date):
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


class Command(DemoCountyCommand):
    help = "Create the monitoring app's demo records (cases for the demo's monitoring periods, cases at each step)."

    def seed_county(self, county_region, seed):
        _town, _other, village = demo_places(county_region)
        if village is None:
            raise CommandError(f"{county_region.name} 下没有村委会。")
        prefix = county_region.code[:6]
        if Case.objects.filter(region__code__startswith=prefix).exists():
            self.stdout.write(f"{county_region.name} 已有监测案例，跳过。")
            return
        today = timezone.localdate()
        with acting_as(source="command:demo-monitoring"), transaction.atomic():
            lines = self._lines(today.year)
            existing = self._cases_for_periods(prefix)
            waiting = self._replay(village, today, seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"监测标准 {lines} 个年度；为已有的 {existing} 个监测期建立监测案例；{village.name} 各环节待办："
            )
        )
        for line in waiting:
            self.stdout.write(f"  {line}")

    def _lines(self, year: int) -> int:
        n = 0
        for y in range(FIRST_YEAR, year + 1):
            if not MonitoringLine.objects.filter(year=y, province__isnull=True).exists():
                services.monitoring_line_set(
                    user=None, year=y, amount=Decimal(f"{monitoring_line(y):.0f}"), source="演示数据"
                )
                n += 1
        return n

    def _cases_for_periods(self, prefix: str) -> int:
        """One case per monitoring period already in the registry, with its confirmed 纳入监测 procedure (the
        procedure's records predate the app: the application says so)."""
        periods = list(
            Monitoring.objects.filter(household__region__code__startswith=prefix, case__isnull=True)
            .select_related("household")
            .order_by("household_id", "started_on")
        )
        apps = [
            Application(
                household_id=p.household_id, region_id=p.household.region_id, year=p.started_on.year,
                kind=ApplicationKind.MONITOR, stage=Stage.CONFIRMED, stage_since=p.started_on,
                reason="演示数据：监测期早于监测程序的记录",
            )
            for p in periods
        ]  # fmt: skip
        Application.objects.bulk_create(apps, batch_size=1000)
        cases = [
            Case(
                household_id=p.household_id, region_id=p.household.region_id, kind=p.kind, risk_types=p.risk_types,
                first_clue_on=p.started_on - dt.timedelta(days=7), application=a, period=p,
                state=CaseState.MONITORED if p.ended_on is None else CaseState.CLEARED, ended_on=p.ended_on,
                authorised_on=p.started_on - dt.timedelta(days=5),
            )
            for p, a in zip(periods, apps, strict=True)
        ]  # fmt: skip
        Case.objects.bulk_create(cases, batch_size=1000)
        audit.record_many(audit.entry_for(AuditAction.CREATE, c, after=audit.snapshot(c)) for c in cases)
        return len(cases)

    def _replay(self, village, today: dt.date, seed: int) -> list[str]:
        candidates = list(
            Household.objects.filter(region=village, status__in=(HouseholdStatus.EXITED, HouseholdStatus.UNIDENTIFIED))
            .exclude(pk__in=Monitoring.objects.filter(ended_on__isnull=True).values("household_id"))
            .exclude(applications__stage__in=[s for s in Stage.values if s not in ("announced", "rejected", "confirmed")])
            .exclude(monitoring_cases__isnull=False)
            .order_by("id")[: len(STEPS)]
        )  # fmt: skip
        if len(candidates) < len(STEPS):  # ordinary households of the village (边缘户 candidates), registered
            gen = DemoGenerator(seed=seed, years=[today.year - 1, today.year], address_code=village.code[:6])
            gen.used_ids |= set(
                Household.objects.filter(region__code__startswith=village.code[:6]).values_list(
                    "members__id_number", flat=True
                )
            )
            items = [
                gen.household_and_story(village.code, fate="never")[0]
                for _ in range(len(STEPS) - len(candidates))
            ]
            with on_day(today - dt.timedelta(days=30)):
                candidates += households_register(user=None, items=items)
        days = selectors.policy_for(region_code=village.code, year=today.year).publicity_days
        start = today - dt.timedelta(days=12)
        cases = {}
        for i, (what, h) in enumerate(zip(STEPS, candidates, strict=True)):
            on = today - dt.timedelta(days=20) if what == "late" else (start if what != "clue" else today)
            head = h.members.filter(is_active=True, relationship="head").first()
            with on_day(on):
                clue = services.clue_report(
                    user=None, village=village, name=h.head_name, id_number=head.id_number if head else "",
                    text="演示：家中有人患大病住院，医疗支出大、收入下降" if i % 2 else "演示：务工受伤，收入骤降",
                    risk_types=["illness"] if i % 2 else ["accident", "employment"],
                )  # fmt: skip
                if what == "clue":
                    continue
                kind = "unstable" if h.status == HouseholdStatus.EXITED else "marginal"
                cases[i] = (what, services.clue_accept(user=None, clue=clue, kind=kind))
        later = [c for w, c in cases.values() if w not in ("late", "accepted")]
        with on_day(start + dt.timedelta(days=1)):
            for c in later:
                services.case_authorise(
                    user=None,
                    case=c,
                    scan=SimpleUploadedFile("授权承诺书.pdf", b"%PDF-1.4 demo"),
                    signed_on=None,
                )
                services.case_verify(
                    user=None, case=c, passed=True, findings="演示：入户核实，情况属实", income="4800",
                    rigid_expenses="7600", happened="住院治疗",
                )  # fmt: skip
        with on_day(start + dt.timedelta(days=2)):
            for c in [c for w, c in cases.values() if w in ("deliberated", "publicity", "review", "confirm")]:
                services.case_deliberate(
                    user=None, case=c, meeting_on=start + dt.timedelta(days=2), attendance=32, votes_for=29,
                    votes_against=1,
                )  # fmt: skip
        over = [c for w, c in cases.values() if w in ("review", "confirm")]
        with on_day(start + dt.timedelta(days=3)):
            listing = services.publicity_open(user=None, village=village, cases=over, days=days)
        with on_day(start + dt.timedelta(days=3 + days)):
            procedure.publicity_close(user=None, publicity=listing)
            for c in [c for w, c in cases.values() if w == "confirm"]:
                services.case_review(user=None, case=c, passed=True, note="演示：乡镇审核同意")
        running = services.publicity_open(
            user=None, village=village, cases=[c for w, c in cases.values() if w == "publicity"], days=days
        )
        return [
            "township: 待受理线索 2 条；",
            "village:  待入户核实 2 户（1 户已超 15 天时限）、待民主评议 1 户、待公示 1 户；",
            f"portal:   监测对象公示 {running.starts_on}–{running.last_day} 公示中；",
            "township: 待乡镇审核 1 户；county: 待县级确认 1 户。",
        ]
