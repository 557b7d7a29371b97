"""监督预警's two benches (issue 21) run tiny: each generator's planted cases must be exactly what the rules find —
every rule's precision and recall 1.0 — so a change of a rule or of a generator cannot leave the README's
figures silently wrong. The county bench's generator writes into the test database (SQLite or PostgreSQL); the
national one writes Parquet into a temp folder and the rules run on DuckDB."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from jingzhun.funds import alerts, alerts_sql
from jingzhun.funds.models import Payment
from jingzhun.registry.models import StatusChange
from tests.conftest import COUNTY

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name: str):
    """bench/ is not a package: load a script by its path (its own ``_common`` import found beside it)."""
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_the_county_bench_finds_every_planted_case_and_no_decoy(regions):
    bench = bench_module("funds_alerts")
    today = timezone.localdate()
    planted = bench.plant(payments=600, households=200, seed=21, today=today)
    found = alerts.find(region=COUNTY, year=today.year, today=today)
    got = bench.keys(found)

    assert set(planted) == set(alerts.RULES)
    for kind in alerts.RULES:
        assert planted[kind], f"{kind}: nothing planted"
        assert got[kind] == planted[kind], (
            f"{kind}: missed {planted[kind] - got[kind]}, extra {got[kind] - planted[kind]}"
        )
    assert {k: s[2:] for k, s in bench.score(got, planted).items()} == {k: (1.0, 1.0) for k in alerts.RULES}

    # 注销后仍发放: the payments of the households cancelled before the payments were entered are found as such;
    # those of the households cancelled later (decoys) are not
    cancelled_before = StatusChange.objects.filter(to_status="cancelled", effective_on__lte=today)
    cancelled_later = StatusChange.objects.filter(to_status="cancelled", effective_on__gt=today)
    assert cancelled_before.count() == cancelled_later.count() == 25
    gone = {a.payment_id for a in found if a.kind == "deceased" and a.evidence["cancelled"]}
    assert gone == set(
        Payment.objects.filter(household__in=cancelled_before.values("household")).values_list(
            "pk", flat=True
        )
    )
    assert gone and not gone & set(
        Payment.objects.filter(household__in=cancelled_later.values("household")).values_list("pk", flat=True)
    )


def test_the_national_bench_finds_every_planted_case_and_no_decoy(tmp_path):
    bench = bench_module("funds_alerts_national")
    con = alerts_sql.connect(threads=2, memory_limit="1GB")
    try:
        # 2 villages a county (a sharer's partner lives in the county's other village), ~6 households a county (the
        # outlier rule needs 5), one household in 40 planted
        sizes = bench.generate(con, tmp_path, payments=30_000, villages=5_580, seed=21, rate=40)
        found = alerts_sql.run_duckdb(tmp_path, bench.bench_params(), con=con)
        planted = bench.truth(
            con, tmp_path, payments=30_000, households=sizes["households"], villages=sizes["villages"]
        )
    finally:
        con.close()
    got = bench.finding_keys(found)

    assert set(planted) == set(got) == set(alerts.RULES)
    for kind in planted:
        assert planted[kind], f"{kind}: nothing planted"
        assert got[kind] == planted[kind], (
            f"{kind}: missed {planted[kind] - got[kind]}, extra {got[kind] - planted[kind]}"
        )


@pytest.mark.parametrize("name", ["funds_alerts", "funds_alerts_national"])
def test_importing_a_bench_changes_no_environment(name, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://example/kept")
    bench_module(name)
    assert os.environ["DATABASE_URL"] == "postgres://example/kept"
