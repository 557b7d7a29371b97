"""``jingzhun demo-cycle``: the demo's 跨县迁移 and its frozen year — two persons moved to the next county of the
prefecture (asked and accepted), one waiting there, and 2016 closed by the county and confirmed by the province
(``registry.demo.demo_transfers``, ``demo_closed_year``). Runs last among the registry's demo steps; once."""

from jingzhun.core.context import acting_as
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.models import Region
from jingzhun.registry.demo import demo_closed_year, demo_transfers


class Command(DemoCountyCommand):
    help = "Move a few persons of the demo county to the next county (transfers) and close its 2016, once."

    def seed_county(self, county: Region, seed: int) -> None:
        with acting_as(source="command:demo-cycle"):
            moved = demo_transfers(county, seed=seed)
            closed = demo_closed_year(county)
        for line in moved or ["没有可用的邻县区划或已有跨县迁移记录，未生成跨县迁移。"]:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"{county.name}：{closed}"))
