"""预警 on the pages: the command scores a year's snapshot of the registry with the installed model, and the
page ranks the reader's households with their reasons — only households in the reader's scope."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.monitoring.warning import evaluation as ev
from tests.conftest import VILLAGE_A, VILLAGE_B, year

YEAR = dt.date.today().year - 1


def test_the_ranked_list_follows_the_score_and_the_readers_scope(
    transactional_db, client, register, users, settings, tmp_path
):
    settings.DATA_DIR, settings.SNAPSHOT_DIR = tmp_path, tmp_path / "snapshots"
    client.force_login(users["county"])
    assert "尚未生成风险评分" in client.get("/monitoring/warning/").content.decode()
    with pytest.raises(CommandError, match="没有预警模型"):
        call_command("warning-score", year=YEAR)
    mine = register(region=VILLAGE_A, years=[year(year=YEAR)], history_year=YEAR - 1)
    other = register(region=VILLAGE_B, years=[year(year=YEAR)], history_year=YEAR - 1)
    write_snapshot(YEAR)  # on PostgreSQL read by a connection of its own: the rows must be committed
    ev.synthetic_model(tmp_path / "warning" / "model.json", households=1_500, seed=1)
    call_command("warning-score", year=YEAR)
    page = client.get("/monitoring/warning/").content.decode()
    assert mine.number in page and other.number in page and "风险评分" in page
    client.force_login(users["town_a"])  # 丹江镇: 村 A only
    page = client.get("/monitoring/warning/").content.decode()
    assert mine.number in page and other.number not in page


def test_the_command_scores_on_duckdb_or_spark_and_nothing_else():
    with pytest.raises(CommandError, match="invalid choice: 'spark'"):
        call_command("warning-score", "--engine", "spark")
    with pytest.raises(CommandError, match="应在 0 与 1 之间"):
        call_command("warning-score", "--reason-share", "1.5")
    with pytest.raises(CommandError, match="只用于 duckdb"):
        call_command("warning-score", "--reason-share", "0.1", "--engine", "pyspark")


def test_reasons_for_the_top_of_each_village_from_the_command(
    transactional_db, client, register, users, settings, tmp_path
):
    """`--reason-share` scores the year the same way (reasons for the top of each village) for the page."""
    settings.DATA_DIR, settings.SNAPSHOT_DIR = tmp_path, tmp_path / "snapshots"
    mine = register(region=VILLAGE_A, years=[year(year=YEAR)], history_year=YEAR - 1)
    write_snapshot(YEAR)
    ev.synthetic_model(tmp_path / "warning" / "model.json", households=1_500, seed=1)
    out = StringIO()
    call_command("warning-score", year=YEAR, reason_share=0.1, stdout=out)
    assert "已评分 1 户" in out.getvalue()
    client.force_login(users["county"])
    assert mine.number in client.get("/monitoring/warning/").content.decode()


def test_the_nightly_rollup_command_rescores_the_newest_year(
    transactional_db, client, register, users, settings, tmp_path
):
    """`jingzhun rollup` from cron (not only the task after an import) leaves fresh scores behind it."""
    settings.DATA_DIR, settings.SNAPSHOT_DIR = tmp_path, tmp_path / "snapshots"
    mine = register(region=VILLAGE_A, years=[year(year=YEAR)], history_year=YEAR - 1)
    ev.synthetic_model(tmp_path / "warning" / "model.json", households=1_500, seed=1)
    client.force_login(users["county"])
    assert "尚未生成风险评分" in client.get("/monitoring/warning/").content.decode()
    call_command("rollup", year=YEAR, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mine.number in client.get("/monitoring/warning/").content.decode()
