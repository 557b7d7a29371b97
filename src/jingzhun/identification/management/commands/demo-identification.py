"""``jingzhun demo-identification``: applications waiting at every step of 两公示一公告 in the demo village, so that
each demo login finds work at its own step and the whole procedure can be shown end to end in one sitting.

The procedure is replayed through the services day by day over the last weeks (each step taken on its own day,
so steps, lists and their days are dated as they would have been, inside the application's year): lists that
have run their days wait to be closed, the county has applications at 待县级审批 and 待公告, and one first 公示
runs from today on the public portal.
"""

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.management.base import CommandError
from django.utils import timezone

from jingzhun.core.context import acting_as
from jingzhun.identification import campaigns, selectors, services
from jingzhun.identification.choices import CampaignMode, Finding, Round, Stage
from jingzhun.identification.models import Application
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.selectors import demo_places
from jingzhun.registry.demo import DemoGenerator, national_line
from jingzhun.registry.models import Household
from jingzhun.registry.services import households_register

FIRST_LINE_YEAR = 2014  # the demo's first year
HISTORY_DAYS = 40  # how far back the demo's procedure starts
# Applications per step they wait at (in the order of the procedure), and who takes the next step.
WAITING = (
    (Stage.APPLIED, 2), (Stage.VERIFIED, 2), (Stage.DELIBERATED, 1), ("first_over", 2), (Stage.TOWNSHIP_REVIEW, 2),
    (Stage.TOWNSHIP_APPROVED, 1), ("second_over", 2), (Stage.COUNTY_APPROVAL, 2), (Stage.COUNTY_APPROVED, 2),
    (Stage.FIRST_PUBLICITY, 2),
)  # fmt: skip


@contextlib.contextmanager
def on_day(day: dt.date):
    """Take steps as on ``day``: the services date their steps and lists by today's date, so the demo's past is
    replayed through them in order, each step on its own day."""
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


def demo_calendar(today: dt.date) -> tuple[int, dt.date]:
    """(the applications' year, the last day of the replayed history): this year, up to today; in January and
    February the year before, to its last day, so that every step and list lies inside its year."""
    end = today if today.month > 2 else dt.date(today.year - 1, 12, 31)
    return end.year, end


class Command(DemoCountyCommand):
    help = "Create demo identification applications waiting at every step in the demo county's first village (once)."

    def seed_county(self, county_region, seed):
        _town, _other, village = demo_places(county_region)
        if village is None:
            raise CommandError(f"{county_region.name} 下没有村委会。")
        if Application.objects.filter(region=village).exists():
            self.stdout.write(f"{village.name} 已有识别申请，跳过。")
            return
        today = timezone.localdate()
        year, end = demo_calendar(today)
        start = end - dt.timedelta(days=HISTORY_DAYS)
        days = selectors.procedure_policy(year=year, region_code=village.code).publicity_days
        gen = DemoGenerator(seed=seed, years=[year - 1, year], address_code=county_region.code[:6])
        gen.used_ids |= set(
            Household.objects.filter(region__code__range=county_region.subtree_range()).values_list(
                "members__id_number", flat=True
            )
        )
        count = sum(n for _stage, n in WAITING)
        items = [gen.household_and_story(village.code, fate="applicant")[0] for _ in range(count)]
        with acting_as(source="command:demo-identification"):
            line_note = self._lines(year, village.code)
            with on_day(start):
                households = households_register(user=None, items=items)
            groups, at = {}, 0
            for stage, n in WAITING:
                groups[stage], at = households[at : at + n], at + n
            waiting = self._replay(village, year, start, end, days, groups)
            # Every household, so that the demo village has its share of visits to record.
            with on_day(start + dt.timedelta(days=1)):
                campaign = campaigns.campaign_open(
                    user=None, county=county_region, title=f"{year} 年回头看（演示）", year=year,
                    mode=CampaignMode.ALL,
                )  # fmt: skip
                # The first households drawn in the demo village are checked: one wrongly included, the rest
                # correct.
                drawn = list(
                    campaign.checks.filter(region=village, status_then="registered").order_by("id")[:3]
                )
                for i, check in enumerate(drawn):
                    wrong = i == 0
                    campaigns.check_record(
                        user=None, check=check, finding=Finding.WRONGLY_INCLUDED if wrong else Finding.CORRECT,
                        note="入户核查：家有商品房，经营运输" if wrong else "",
                    )  # fmt: skip
        self.stdout.write(
            self.style.SUCCESS(
                f"已在 {village.full_name()} 生成 {count} 户 {year} 年度识别申请（{start} 至今逐日办理）{line_note}，"
                f"并发起全县回头看（{campaign.households} 户）。各级待办："
            )
        )
        for who, what in waiting:
            self.stdout.write(f"  {who:<10} {what}")

    def _lines(self, year: int, village_code: str) -> str:
        """National lines for the demo's years that have none recorded (policy data a national administrator would
        enter), so that the rules judge the applicants' incomes and the dashboards count the poor in every year:
        2017 and 2018 between their neighbours (no primary source, DOMAIN.md §4), from 2021 the 2020 line carried
        on (现行标准). Each says it is the demo's."""
        entered = []
        for y in range(FIRST_LINE_YEAR, year + 1):
            if selectors.poverty_line(year=y, region_code=village_code) is not None:
                continue
            amount = Decimal(f"{national_line(y):.0f}")
            source = "演示数据：沿用 2020 年现行标准" if y > 2020 else "演示数据：未经核实的估计值"
            services.poverty_line_set(user=None, year=y, amount=amount, source=source)
            entered.append(str(y))
        return f"（{'、'.join(entered)} 年扶贫标准按演示数据录入）" if entered else ""

    def _replay(self, village, year, start, end, days, groups) -> list[tuple[str, str]]:
        """The procedure up to where each group waits, each step on its day; what waits for whom."""

        def apps(*stages):
            return [Application.objects.get(household=h) for s in stages for h in groups[s]]

        later = [s for s, _n in WAITING if s != Stage.APPLIED]
        past_deliberation = [s for s in later if s not in (Stage.VERIFIED,)]
        past_first = [Stage.TOWNSHIP_REVIEW, Stage.TOWNSHIP_APPROVED, "second_over", Stage.COUNTY_APPROVAL,
                      Stage.COUNTY_APPROVED]  # fmt: skip
        day = lambda n: start + dt.timedelta(days=n)  # noqa: E731
        # The newest applications came in last week (not overdue); the rest at the start.
        for stage, _n in WAITING:
            on = end - dt.timedelta(days=6) if stage in (Stage.APPLIED, Stage.VERIFIED) else start
            with on_day(on):
                for h in groups[stage]:
                    services.application_create(user=None, household=h, year=year, reason="农户自愿申请")
        with on_day(end - dt.timedelta(days=3)):
            for app in apps(Stage.VERIFIED):
                services.application_verify(
                    user=None, application=app, passed=True, findings="入户核实，情况属实"
                )
        with on_day(day(2)):
            for app in apps(*[s for s in later if s != Stage.VERIFIED]):
                services.application_verify(
                    user=None, application=app, passed=True, findings="入户核实，情况属实"
                )
        with on_day(day(4)):
            for app in apps(*[s for s in past_deliberation]):
                services.application_deliberate(
                    user=None,
                    application=app,
                    meeting_on=day(4),
                    attendance=35,
                    votes_for=30,
                    votes_against=2,
                )
        first = self._list(village, Round.FIRST, apps(*past_first), day(5), days)
        with on_day(day(7) + dt.timedelta(days=days)):
            for app in apps(
                Stage.TOWNSHIP_APPROVED, "second_over", Stage.COUNTY_APPROVAL, Stage.COUNTY_APPROVED
            ):
                services.application_review(user=None, application=app, passed=True, note="乡镇审核同意")
        self._list(
            village, Round.SECOND, apps(Stage.COUNTY_APPROVAL, Stage.COUNTY_APPROVED), day(8 + days), days
        )
        with on_day(day(10 + 2 * days)):
            for app in apps(Stage.COUNTY_APPROVED):
                services.application_approve(user=None, application=app, passed=True, note="县扶贫办复审同意")
        # Lists opened so that their days have just run: they wait to be closed (公示期满) by their level.
        ran = end - dt.timedelta(days=days + 1)
        second_over = self._list(village, Round.SECOND, apps("second_over"), ran, days, close=False)
        first_over = self._list(village, Round.FIRST, apps("first_over"), ran, days, close=False)
        # And one runs from today on the public portal, with its real days.
        running = services.publicity_open(
            user=None, region=village, round=Round.FIRST, applications=apps(Stage.FIRST_PUBLICITY)
        )
        return [
            ("village", f"{village.name}：待入户核实 2 户、待民主评议 2 户、待第一次公示 1 户；"
                        f"第一次公示（{first_over.starts_on}–{first_over.last_day}）期满待结束"),
            ("township", f"待乡镇审核 2 户（第一次公示 {first.starts_on}–{first.last_day} 已结束）、待第二次公示 1 户；"
                         f"第二次公示（{second_over.starts_on}–{second_over.last_day}）期满待结束"),
            ("county", "待县级审批 2 户、待公告 2 户（公告后在册）"),
            ("portal", f"第一次公示 {running.starts_on}–{running.last_day} 公示中，可提出异议"),
        ]  # fmt: skip

    @staticmethod
    def _list(village, round_, applications, opened: dt.date, days: int, *, close: bool = True):
        """A 公示 opened on ``opened`` and, with ``close``, closed the day after its last day."""
        with on_day(opened):
            publicity = services.publicity_open(
                user=None, region=village, round=round_, applications=applications
            )
        if close:
            with on_day(opened + dt.timedelta(days=days)):
                services.publicity_close(user=None, publicity=publicity)
        return publicity
