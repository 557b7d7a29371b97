"""``jingzhun demo-analytics``: rural population for the demo county's villages, then the rollups of every
year, so that the dashboards open with figures."""

from jingzhun.analytics.demo import seed_population
from jingzhun.analytics.models import RuralPopulation
from jingzhun.analytics.selectors import years_with_data
from jingzhun.analytics.services import rollup_refresh
from jingzhun.regions.democommand import DemoCountyCommand


class Command(DemoCountyCommand):
    help = "Give the demo county's villages a rural population and roll up every indicator for every year."

    def seed_county(self, region, seed):
        years = years_with_data()
        if not RuralPopulation.objects.in_region(region).exists():
            villages = seed_population(region, years=years, seed=seed)
            self.stdout.write(f"已为 {region.name} {villages} 个村登记农村户籍人口（{len(years)} 个年度）")
        for year in years:
            result = rollup_refresh(year=year)
            self.stdout.write(
                f"{year} 年度统计汇总：{result.regions} 个区域，计算 {result.compute_seconds:.1f} 秒"
            )
