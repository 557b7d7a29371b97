"""``jingzhun poor-counties-load FILE.csv --year Y``: the list of poor counties (贫困县) of a year. CSV with a
header; columns: county code, kind (国家级 / 省级) (UTF-8, with or without BOM). All or nothing."""

from jingzhun.assessment.services import poor_counties_load
from jingzhun.core.yearcsv import YearCsvCommand


class Command(YearCsvCommand):
    help = "Load the poor counties of a year from a CSV (county code, kind 国家级/省级); all or nothing."
    source = "poor-counties-load"

    def load(self, year, rows):
        return poor_counties_load(year=year, rows=rows)

    def done(self, loaded, year):
        return f"已登记 {loaded:,} 个 {year} 年贫困县。"
