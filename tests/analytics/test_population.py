"""`jingzhun population-load`: the incidence's denominator from the statistics bureau's CSV, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from jingzhun.analytics.models import RuralPopulation
from jingzhun.core.models import AuditLog
from tests.conftest import TOWN_A, VILLAGE_A, VILLAGE_B


def write(tmp_path, text: str):
    path = tmp_path / "population.csv"
    path.write_text("\ufeff村代码,农村户籍人口\n" + text, encoding="utf-8")
    return path


def test_loads_updates_and_audits(regions, tmp_path):
    call_command("population-load", str(write(tmp_path, f"{VILLAGE_A},1200\n{VILLAGE_B},800\n")), year=2016)
    assert dict(RuralPopulation.objects.values_list("region_id", "persons")) == {
        VILLAGE_A: 1200,
        VILLAGE_B: 800,
    }
    call_command("population-load", str(write(tmp_path, f"{VILLAGE_A},1250\n")), year=2016)
    assert RuralPopulation.objects.get(region_id=VILLAGE_A).persons == 1250
    changes = AuditLog.objects.filter(model="analytics.ruralpopulation", action="update").get().changes
    assert changes["persons"] == [1200, 1250]


def test_bad_rows_refuse_the_whole_file_with_every_reason(regions, tmp_path):
    bad = write(tmp_path, f"{VILLAGE_A},1200\n{TOWN_A},300\n999999999999,5\n{VILLAGE_B},-4\n{VILLAGE_A},7\n")
    with pytest.raises(CommandError) as refused:
        call_command("population-load", str(bad), year=2016)
    message = str(refused.value)
    assert "未保存任何数据" in message
    assert f"第 3 行：村代码「{TOWN_A}」不存在或不是村级区划" in message
    assert "第 4 行" in message and "第 5 行：农村户籍人口「-4」应为不小于 0 的整数" in message
    assert f"第 6 行：村代码 {VILLAGE_A} 与第 2 行重复" in message
    assert not RuralPopulation.objects.exists()
