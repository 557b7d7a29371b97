"""``jingzhun demo-targets``: the demo county's yearly 减贫计划 — the province's, prefecture's and county's, then
each township's — for every year with exits, so that the region pages and the dashboards show progress against
a plan (``registry.demo.demo_targets``). Runs after ``demo-villages`` (the villages' exits are part of the plan);
once: a county with targets is left as it is."""

from jingzhun.core.context import acting_as
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.models import Region
from jingzhun.registry.demo import demo_targets
from jingzhun.registry.models import ReductionTarget


class Command(DemoCountyCommand):
    help = "Hand down the demo county's yearly reduction targets (province → county → townships), once."

    def seed_county(self, county: Region, seed: int) -> None:
        if ReductionTarget.objects.filter(region=county).exists():
            self.stdout.write(f"{county.name} 已有减贫计划，跳过。")
            return
        with acting_as(source="command:demo-targets"):
            handed = demo_targets(county, seed=seed)
        if not handed:
            self.stdout.write(f"{county.name} 没有脱贫记录，未下达减贫计划。")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{county.name}：下达减贫计划 "
                + "，".join(f"{y} 年脱贫 {p} 人、退出贫困村 {v} 个" for y, (p, v) in handed.items())
                + "。"
            )
        )
