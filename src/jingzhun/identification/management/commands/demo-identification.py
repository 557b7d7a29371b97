"""``jingzhun demo-identification``: applications at every early stage in the demo village, so that each demo
login has work waiting and the public portal shows a running 公示."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from jingzhun.core.context import acting_as
from jingzhun.identification import campaigns, services
from jingzhun.identification.choices import CampaignMode, Finding, Round
from jingzhun.identification.models import Application, Publicity
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.selectors import demo_places
from jingzhun.registry.demo import DemoGenerator
from jingzhun.registry.models import Household
from jingzhun.registry.services import households_register

YEAR = 2016  # the demo's income data are for 2015–2016, and 2016 has a national line (DOMAIN.md §4)


class Command(DemoCountyCommand):
    help = "Create demo identification applications in the demo county's first village (once)."

    def seed_county(self, county_region, seed):
        _town, _other, village = demo_places(county_region)
        if village is None:
            raise CommandError(f"{county_region.name} 下没有村委会。")
        if Application.objects.filter(region=village).exists():
            self.stdout.write(f"{village.name} 已有识别申请，跳过。")
            return
        gen = DemoGenerator(seed=seed, years=[2015, YEAR], address_code=county_region.code[:6])
        gen.used_ids |= set(
            Household.objects.filter(region__code__startswith=county_region.code[:6]).values_list(
                "members__id_number", flat=True
            )
        )
        items = [gen.household(village.code) for _ in range(10)]
        for item in items:
            item["household"].update(status="unidentified", identified_year=None, exit_year=None)
        with acting_as(source="command:demo-identification"):
            households = households_register(user=None, items=items)
            apps = [
                services.application_create(user=None, household=h, year=YEAR, reason="农户自愿申请")
                for h in households
            ]
            for app in apps[2:]:
                services.application_verify(
                    user=None, application=app, passed=True, findings="入户核实，情况属实"
                )
            for app in apps[4:]:
                services.application_deliberate(
                    user=None, application=app, meeting_on=timezone.localdate(), attendance=35, votes_for=30,
                    votes_against=2,
                )  # fmt: skip
            earlier = services.publicity_open(
                user=None, region=village, round=Round.FIRST, applications=apps[5:7]
            )
            # demo history: that first list ran its period already, so the township has a review waiting
            start = timezone.localdate() - dt.timedelta(days=10)
            Publicity.objects.filter(pk=earlier.pk).update(
                starts_on=start, last_day=start + dt.timedelta(days=6)
            )
            earlier.refresh_from_db()
            services.publicity_close(user=None, publicity=earlier)
            services.publicity_open(user=None, region=village, round=Round.FIRST, applications=apps[7:])
            # Every household, so that the demo village has its share of visits to record.
            campaign = campaigns.campaign_open(
                user=None,
                county=county_region,
                title=f"{YEAR} 年回头看（演示）",
                year=YEAR,
                mode=CampaignMode.ALL,
            )
            # The first households drawn in the demo village are checked: one wrongly included, the rest correct.
            drawn = list(campaign.checks.filter(region=village, status_then="registered").order_by("id")[:3])
            for i, check in enumerate(drawn):
                wrong = i == 0
                campaigns.check_record(
                    user=None,
                    check=check,
                    finding=Finding.WRONGLY_INCLUDED if wrong else Finding.CORRECT,
                    note="入户核查：家有商品房，经营运输" if wrong else "",
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"已在 {village.full_name()} 生成 {len(apps)} 户识别申请（待核实、待评议、公示中、待乡镇审核），"
                f"并发起全县回头看（{campaign.households} 户）"
            )
        )
