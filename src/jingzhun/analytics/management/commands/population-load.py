"""``jingzhun population-load FILE.csv --year Y``: the rural population (农村户籍人口) per village, the
denominator of 贫困发生率. CSV with a header; columns: village code, persons (UTF-8, with or without BOM)."""

from jingzhun.analytics.services import rural_population_load
from jingzhun.core.yearcsv import YearCsvCommand


class Command(YearCsvCommand):
    help = (
        "Load the rural population of villages for a year from a CSV (village code, persons); all or nothing."
    )
    source = "population-load"

    def load(self, year, rows):
        return rural_population_load(year=year, rows=rows)

    def done(self, loaded, year):
        return f"已登记 {loaded:,} 个村 {year} 年度的农村户籍人口。重新汇总后显示贫困发生率。"
