"""监督预警 over the yearly snapshot: the funds tables written beside it, the rules' one SQL text on DuckDB and on
Spark, and the same findings as the database path on the same data (SQLite and PostgreSQL)."""

import datetime as dt
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jingzhun.funds import alerts, alerts_sql
from jingzhun.funds.choices import AlertKind
from jingzhun.funds.models import Alert, Allocation, Payment, VillageCadre
from jingzhun.funds.snapshot import write_funds
from jingzhun.projects.models import Project
from jingzhun.registry.models import MemberChange, StatusChange
from tests.conftest import COUNTY, VILLAGE_A, member, new_id

from .conftest import YEAR
from .test_alerts import households, pay  # noqa: F401 - fixtures of the database path's tests

TODAY = timezone.localdate()


@pytest.fixture
def planted(chain, finance, households, register, users):  # noqa: F811
    """A case of every rule among clean payments around it."""
    from jingzhun.registry.services import household_bank_account_set

    for h in households[:5]:
        pay(finance, chain, h)
    household_bank_account_set(
        user=users["national"],
        household=households[5],
        bank_name="信用社",
        bank_account="6217002870000000001",
    )
    pay(finance, chain, households[5])  # the same account as households[1]
    pay(finance, chain, households[4], "9000")  # far above the county's median
    head = households[2].members.get(relationship="head")
    VillageCadre.objects.create(region_id=VILLAGE_A, name=head.name, id_number=head.id_number, post="村主任")
    VillageCadre.objects.create(
        region_id=VILLAGE_A,
        name="张会计",
        id_number="522634198001010011",
        post="会计",
        household=households[3],
    )
    dead = households[0].members.get(relationship="head")
    MemberChange.objects.create(
        household=households[0],
        kind="death",
        member=dead,
        name=dead.name,
        effective_on=TODAY - dt.timedelta(days=40),
        business_year=YEAR,
    )
    StatusChange.objects.create(
        household=households[1],
        from_status="registered",
        to_status="cancelled",
        effective_on=TODAY + dt.timedelta(days=3),
        business_year=YEAR,
        source="procedure",
    )
    Allocation.objects.create(
        fund=chain["fund"],
        parent=chain["city"],
        region_id=COUNTY,
        amount=Decimal("50000"),
        balance=Decimal("50000"),
        document_number="州财农〔2026〕9号",
        arrived_on=dt.date(YEAR, 1, 1),
    )  # arrived and never spent: idle
    never = Project.objects.create(
        region_id=VILLAGE_A, year=YEAR, name="产业路", category="infrastructure", budget=100000
    )
    ok = Project.objects.create(
        region_id=VILLAGE_A,
        year=YEAR,
        name="茶园",
        category="industry",
        budget=100000,
        accepted_on=dt.date(YEAR, 1, 1),
    )
    for p in (never, ok):
        Payment.objects.create(
            allocation=chain["county"],
            region_id=VILLAGE_A,
            year=YEAR,
            kind="project",
            category="industry",
            project=p,
            stage="accepted",
            payee_name="施工队",
            amount=Decimal("25000.50"),
            purpose="尾款",
            status="paid",
        )
    jumped = register(years=[{"year": YEAR - 1, "wage": "2000"}, {"year": YEAR, "wage": "9000"}])
    steady = register(years=[{"year": YEAR - 1, "wage": "5000"}, {"year": YEAR, "wage": "6000"}])
    for h in (jumped, steady):
        StatusChange.objects.create(
            household=h,
            from_status="registered",
            to_status="exited",
            effective_on=dt.date(YEAR, 11, 1),
            business_year=YEAR,
            source="procedure",
        )


def signature(found):
    return sorted(
        (
            a.kind,
            a.key,
            a.region_id,
            a.household_id,
            a.payment_id,
            Decimal(a.amount or 0).quantize(Decimal("0.01")),
            a.summary,
        )
        for a in found
    )


@pytest.fixture
def snapshot(planted, tmp_path):
    root = tmp_path / str(YEAR)
    rows = write_funds(YEAR, root)
    assert rows["fund_payments"] == 9 and rows["fund_cadres"] == 2 and rows["fund_exits"] == 2
    return root


@pytest.mark.parametrize("engine", ["duckdb", "pyspark"])
def test_the_snapshot_gives_the_database_paths_findings(snapshot, engine):
    db = alerts.find(region=COUNTY, year=YEAR, today=TODAY)
    assert {a.kind for a in db} == set(AlertKind.values)  # every rule has its planted case
    run = alerts_sql.find(snapshot, year=YEAR, today=TODAY, region=COUNTY, engine=engine)
    assert signature(run.alerts) == signature(db)
    everywhere = alerts_sql.find(snapshot, year=YEAR, today=TODAY, region=None, engine=engine)
    assert signature(everywhere.alerts) == signature(alerts.find(region=None, year=YEAR, today=TODAY))


def test_no_account_number_and_no_id_number_leaves_the_database(snapshot):
    text = " ".join(str(pq.read_table(f).to_pylist()) for f in snapshot.rglob("*.parquet"))
    assert "6217002870000000001" not in text and "522634198001010011" not in text


def test_another_region_finds_nothing(snapshot):
    run = alerts_sql.find(snapshot, year=YEAR, today=TODAY, region="520102000000")
    assert run.alerts == []


def test_the_command_stores_the_findings_once_or_writes_them_to_parquet(snapshot, tmp_path):
    out = tmp_path / "findings.parquet"
    args = ["funds-alerts", "--snapshot", str(snapshot), "--year", str(YEAR), "--region", COUNTY]
    call_command(*args, "--out", str(out))
    assert Alert.objects.count() == 0
    assert sorted(pq.read_table(out).column("kind").to_pylist()) == sorted(
        a.kind for a in alerts.find(region=COUNTY, year=YEAR, today=TODAY)
    )
    call_command(*args)
    stored = Alert.objects.count()
    assert stored == len(alerts.find(region=COUNTY, year=YEAR, today=TODAY))
    call_command(*args)
    assert Alert.objects.count() == stored  # a rerun raises nothing twice
    with pytest.raises(CommandError, match="快照中没有资金表"):
        call_command("funds-alerts", "--snapshot", str(tmp_path / "nowhere"), "--year", str(YEAR))
    with pytest.raises(CommandError, match="12 位数字"):
        call_command(*args[:-1], "52'; --")


def test_the_export_outside_a_transaction_gives_the_same_findings(transactional_db, planted, tmp_path):
    """Outside a transaction PostgreSQL is read through ADBC (its own connection, its own types): the same
    tables and the same findings as the database path."""
    rows = write_funds(YEAR, tmp_path / str(YEAR))
    assert rows["fund_payments"] == 9 and rows["fund_events"] == 2
    run = alerts_sql.find(tmp_path / str(YEAR), year=YEAR, today=TODAY, region=COUNTY)
    assert signature(run.alerts) == signature(alerts.find(region=COUNTY, year=YEAR, today=TODAY))


def test_an_income_that_does_not_divide_to_the_cent_is_written_rounded_and_found(register, tmp_path):
    """A household of 3 with 10,000 yuan: 3,333.33… per person (SQLite computes it as a float with many digits);
    the exits table takes it to the cent instead of failing the snapshot (make demo's analytics step did), and
    the jump is found the same way on both paths."""
    three = [
        member(),
        member("spouse", name="吴秀英", id_number=new_id(male=False)),
        member("son", name="杨小军"),
    ]
    jumped = register(
        members=three, years=[{"year": YEAR - 1, "wage": "2000"}, {"year": YEAR, "wage": "10000.10"}]
    )
    StatusChange.objects.create(household=jumped, from_status="registered", to_status="exited",
                                effective_on=dt.date(YEAR, 11, 1), business_year=YEAR, source="procedure")  # fmt: skip
    write_funds(YEAR, tmp_path)
    found = alerts_sql.find(tmp_path, year=YEAR, region=COUNTY).alerts
    database = alerts.find(region=COUNTY, year=YEAR)
    assert (
        [(a.kind, a.household_id, a.summary) for a in found if a.kind == AlertKind.INCOME_JUMP]
        == [(a.kind, a.household_id, a.summary) for a in database if a.kind == AlertKind.INCOME_JUMP]
        != []
    )
