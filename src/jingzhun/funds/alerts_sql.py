"""监督预警 at national scale: the rules of ``alerts`` written once as SQL over the funds tables of the yearly
snapshot (``funds.snapshot``), run on DuckDB over the Parquet files (the default) or on Spark SQL — the same text.

The query reads the snapshot through views (``VIEWS``): DuckDB gets them as CTEs over ``read_parquet``, Spark as
temporary views over ``spark.read.parquet`` (as ``monitoring.warning.features`` does). The SQL keeps to what both
dialects share: ``array_agg``/``array_sort``, ``median`` (also as a window aggregate), ``concat``, ``substr``, ``DATE '…'`` literals, CASE,
coalesce. Every rule gives the same findings as the database path on the same data (same kind and key, region,
household, payment and amount; a test compares them on SQLite and PostgreSQL): the findings then become ``Alert``
rows (stored like ``alerts.alerts_run``: new ones in one statement) or a Parquet file.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.utils import timezone

from jingzhun.core import spark
from jingzhun.core.codes import subtree_range
from jingzhun.core.masking import mask_card

from . import alerts, selectors
from .choices import AFTER_ACCEPTANCE, HOLDING, AlertKind, PaymentKind, Stage
from .models import Alert, Payment
from .snapshot import PARTITIONED

ENGINES = ("duckdb", "pyspark")
VIEWS = {
    "snap_payments": "fund_payments",
    "snap_allocations": "fund_allocations",
    "snap_cadres": "fund_cadres",
    "snap_events": "fund_events",
    "snap_exits": "fund_exits",
}


@dataclass(frozen=True)
class Params:
    """What the rules need besides the data: the year, the day of the run, the region's code range (None: the
    country) and the policy's numbers."""

    year: int
    today: dt.date
    since: dt.date  # today − the policy's idle days
    factor: Decimal
    ratio: Decimal
    region: tuple[str, str] | None

    @classmethod
    def of(cls, *, year: int, today: dt.date, region: str | None) -> Params:
        policy = selectors.policy_for(region_code=region, year=year)
        return cls(
            year=int(year),
            today=today,
            since=today - dt.timedelta(days=policy.idle_days),
            factor=Decimal(policy.outlier_factor),
            ratio=Decimal(policy.income_jump_ratio),
            region=subtree_range(region) if region else None,
        )


def _in(column: str, region) -> str:
    if region is None:
        return ""
    lo, hi = region
    assert lo.isdigit() and hi.isdigit()  # codes from subtree_range: digits only, safe as literals
    return f" AND {column} BETWEEN '{lo}' AND '{hi}'"


def _strings(values) -> str:
    return ", ".join(f"'{getattr(v, 'value', v)}'" for v in values)


# ``rules.per_capita`` in SQL (DuckDB and Spark): a household's payments ÷ its size, one when none is recorded
PER_CAPITA = "CAST(sum(amount) AS DOUBLE) / greatest(coalesce(max(household_size), 1), 1)"


def queries(p: Params) -> dict[str, str]:
    """Each rule's SQL over the views, in the dialect DuckDB and Spark share."""
    since = f"DATE '{p.since.isoformat()}'"
    paid = (
        f"SELECT * FROM snap_payments WHERE year = {p.year} AND status IN ({_strings(HOLDING)})"
        f"{_in('village', p.region)}"
    )
    to_households = f"{paid} AND kind = '{PaymentKind.HOUSEHOLD.value}'"
    return {
        # the shared groups first (min ≠ max: two households, without counting distinct ones in every group),
        # their lists only for them
        AlertKind.SHARED_ACCOUNT: f"""
WITH p AS ({to_households} AND account_digest <> ''),
g AS (SELECT substr(village, 1, 6) AS county, account_digest AS digest FROM p
      GROUP BY substr(village, 1, 6), account_digest HAVING min(household_id) <> max(household_id)),
s AS (SELECT g.county, p.* FROM p JOIN g ON g.digest = p.account_digest AND g.county = substr(p.village, 1, 6))
SELECT county, account_digest, count(DISTINCT household_id) AS households, sum(amount) AS total,
       min(id) AS first_payment, array_sort(array_agg(DISTINCT household_number)) AS numbers,
       array_sort(array_agg(id)) AS payments
FROM s GROUP BY county, account_digest""",
        AlertKind.CADRE_RELATIVE: f"""
WITH p AS ({to_households}),
c AS (SELECT household_id, array_sort(array_agg(concat(name, '（', post, '）'))) AS cadres
      FROM (SELECT DISTINCT id, household_id, name, post FROM snap_cadres WHERE true{_in("village", p.region)}) l
      GROUP BY household_id),
s AS (SELECT household_id, village, min(household_number) AS household_number, sum(amount) AS total,
             count(*) AS n FROM p WHERE household_id IN (SELECT household_id FROM c) GROUP BY household_id, village)
SELECT s.household_id, s.village, s.household_number, s.total, s.n, c.cadres
FROM s JOIN c ON c.household_id = s.household_id""",
        AlertKind.IDLE: f"""
SELECT id, region, fund_title, amount, balance, arrived_on FROM snap_allocations
WHERE level = 3 AND fund_year <= {p.year} AND arrived_on <= {since} AND balance > 0
  AND (last_paid_on IS NULL OR last_paid_on <= {since}){_in("region", p.region)}""",
        AlertKind.NO_ACCEPTANCE: f"""
SELECT id, village, amount, project_name, stage, project_accepted_on FROM ({paid}) p
WHERE kind = '{PaymentKind.PROJECT.value}' AND stage IN ({_strings(AFTER_ACCEPTANCE)})
  AND (project_accepted_on IS NULL OR project_accepted_on > created_on)""",
        # the county's median and count as window aggregates over the households: one pass over them (Spark
        # inlines a CTE read twice, so a GROUP BY joined back aggregated the payments twice: 1.9x slower)
        AlertKind.OUTLIER: f"""
WITH s AS (SELECT household_id, village, max(household_size) AS persons, sum(amount) AS total,
                  {PER_CAPITA} AS each FROM ({to_households}) p GROUP BY household_id, village),
m AS (SELECT s.*, median(each) OVER (PARTITION BY substr(village, 1, 6)) AS county_median,
             count(*) OVER (PARTITION BY substr(village, 1, 6)) AS n FROM s)
SELECT household_id, village, total, persons, county_median FROM m
WHERE n >= 5 AND county_median > 0 AND each > county_median * {p.factor}""",
        AlertKind.INCOME_JUMP: f"""
SELECT household_id, village, household_number, per_capita_net, prior FROM snap_exits
WHERE prior > 0 AND per_capita_net >= prior * {p.ratio}{_in("village", p.region)}""",
        AlertKind.DECEASED: f"""
WITH p AS ({to_households}),
d AS (SELECT member_id, min(effective_on) AS died_on FROM snap_events WHERE kind = 'death' GROUP BY member_id),
g AS (SELECT household_id, min(effective_on) AS cancelled_on FROM snap_events WHERE kind = 'cancel'
      GROUP BY household_id)
SELECT p.id, p.village, p.household_id, p.household_number, p.amount,
       coalesce(d.died_on <= p.created_on, false) AS dead, coalesce(g.cancelled_on <= p.created_on, false) AS gone
FROM p LEFT JOIN d ON d.member_id = p.member_id LEFT JOIN g ON g.household_id = p.household_id
WHERE d.died_on <= p.created_on OR g.cancelled_on <= p.created_on""",
    }


def _folder(root: Path, table: str) -> Path:
    folder = Path(root) / table
    if not folder.exists():
        raise FileNotFoundError(
            f"no {table} under {root}: write the snapshot again, or `jingzhun funds-alerts --export`"
        )
    return folder


def _duckdb_source(root: Path, table: str) -> str:
    folder = _folder(root, table)
    if table in PARTITIONED:
        return f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    return f"SELECT * FROM read_parquet('{folder}/*.parquet')"


def duckdb_sql(root: Path, query: str) -> str:
    """``query`` with its views as CTEs over the snapshot's Parquet under ``root``."""
    views = ",\n".join(f"{view} AS ({_duckdb_source(root, table)})" for view, table in VIEWS.items())
    query = query.strip()
    if query.startswith("WITH"):
        return "WITH\n" + views + ",\n" + query[len("WITH") :].lstrip()
    return "WITH\n" + views + "\n" + query


def connect(*, threads: int | None = None, memory_limit: str = "4GB"):
    """DuckDB held to ``memory_limit``, spilling to the system's temporary directory beyond it."""
    import duckdb

    temp = Path(tempfile.gettempdir()) / "jingzhun-duckdb"
    temp.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit, "preserve_insertion_order": False, "temp_directory": str(temp)}
    if threads:
        config["threads"] = threads
    return duckdb.connect(config=config)


def _arrow(relation) -> pa.Table:
    return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()


def run_duckdb(root: Path, params: Params, *, con=None) -> dict[str, list[dict]]:
    """Every rule's rows on DuckDB over the snapshot folder ``root`` (``<SNAPSHOT_DIR>/<year>``)."""
    own = con is None
    con = con or connect()
    try:
        return {kind: _arrow(con.sql(duckdb_sql(root, q))).to_pylist() for kind, q in queries(params).items()}
    finally:
        if own:
            con.close()


def spark_session(master: str | None = None):
    """The funds alerts' Spark session (``core.spark.session``: the one recipe, its settings measured here)."""
    return spark.session("jingzhun-funds-alerts", master)


def run_spark(
    root: Path, params: Params, *, session=None, timings: dict | None = None
) -> dict[str, list[dict]]:
    """The same queries on Spark SQL, the snapshot's tables registered as temporary views; each rule's seconds
    into ``timings`` when given."""
    session = session or spark_session()
    for view, table in VIEWS.items():
        session.read.parquet(str(_folder(root, table))).createOrReplaceTempView(view)
    out = {}
    for kind, q in queries(params).items():
        started = time.perf_counter()
        out[kind] = [r.asDict() for r in session.sql(q).collect()]
        if timings is not None:
            timings[kind] = time.perf_counter() - started
    return out


def to_alerts(rows: dict[str, list[dict]], params: Params) -> list[Alert]:
    """The rules' rows as unsaved ``Alert`` rows with the database path's kind, key and evidence. The few
    things the snapshot does not hold (an account's last digits, a dead payee's name) are read for the findings
    only, one query; absent (a snapshot without its database) they are left out."""
    year = params.year
    wanted = [r["first_payment"] for r in rows.get(AlertKind.SHARED_ACCOUNT, [])] + [
        r["id"] for r in rows.get(AlertKind.DECEASED, []) if r["dead"]
    ]
    known = Payment.objects.in_bulk(wanted) if wanted else {}
    stages = dict(Stage.choices)
    out = []
    for r in rows.get(AlertKind.SHARED_ACCOUNT, []):
        first = known.get(r["first_payment"])
        out.append(
            alerts.shared_account_alert(
                county=r["county"],
                year=year,
                digest=r["account_digest"],
                households=r["households"],
                total=r["total"],
                account=mask_card(first.bank_account) if first else "",
                numbers=r["numbers"],
                payments=[_reference(i) for i in r["payments"][:20]],
            )
        )
    for r in rows.get(AlertKind.CADRE_RELATIVE, []):
        out.append(
            alerts.cadre_relative_alert(
                household_id=r["household_id"],
                number=r["household_number"],
                region_id=r["village"],
                year=year,
                total=r["total"],
                payments=r["n"],
                cadres=r["cadres"],
            )
        )
    for r in rows.get(AlertKind.IDLE, []):
        out.append(
            alerts.idle_alert(
                allocation_id=r["id"],
                since=params.since,
                region_id=r["region"],
                year=year,
                fund=r["fund_title"],
                balance=r["balance"],
                amount=r["amount"],
                arrived_on=r["arrived_on"],
                today=params.today,
                days=(params.today - params.since).days,
            )
        )
    for r in rows.get(AlertKind.NO_ACCEPTANCE, []):
        out.append(
            alerts.no_acceptance_alert(
                payment_id=r["id"],
                reference=_reference(r["id"]),
                region_id=r["village"],
                year=year,
                amount=r["amount"],
                project=r["project_name"],
                stage=r["stage"],
                stage_label=stages.get(r["stage"], r["stage"]),
                accepted_on=r["project_accepted_on"],
            )
        )
    for r in rows.get(AlertKind.OUTLIER, []):
        out.append(
            alerts.outlier_alert(
                household_id=r["household_id"],
                region_id=r["village"],
                year=year,
                total=r["total"],
                persons=r["persons"],
                median=Decimal(str(r["county_median"])),
                factor=params.factor,
            )
        )
    for r in rows.get(AlertKind.INCOME_JUMP, []):
        out.append(
            alerts.income_jump_alert(
                household_id=r["household_id"],
                number=r["household_number"],
                region_id=r["village"],
                year=year,
                per_capita_net=r["per_capita_net"],
                prior=r["prior"],
                ratio=params.ratio,
            )
        )
    for r in rows.get(AlertKind.DECEASED, []):
        payee = known.get(r["id"])
        out.append(
            alerts.deceased_alert(
                payment_id=r["id"],
                reference=_reference(r["id"]),
                household_id=r["household_id"],
                number=r["household_number"],
                region_id=r["village"],
                year=year,
                amount=r["amount"],
                dead=r["dead"],
                gone=r["gone"],
                payee=payee.payee_name if payee else "",
            )
        )
    return out


def _reference(payment_id: int) -> str:
    return f"ZF{payment_id:08d}"  # a payment's reference (Payment.__str__), without reading the row


@dataclass(frozen=True)
class SnapshotRun:
    """What a run over a snapshot found, on which engine, and how long the rules took."""

    alerts: list[Alert]
    engine: str
    seconds: float


def find(
    root: Path, *, year: int, today: dt.date | None = None, region: str | None = None, engine: str = "duckdb"
) -> SnapshotRun:
    """Every rule's findings over the snapshot folder ``root`` on ``engine``, unsaved."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    params = Params.of(year=year, today=today or timezone.localdate(), region=region)
    started = time.perf_counter()
    rows = run_duckdb(root, params) if engine == "duckdb" else run_spark(root, params)
    seconds = time.perf_counter() - started
    return SnapshotRun(alerts=to_alerts(rows, params), engine=engine, seconds=seconds)


def store(found: list[Alert]) -> int:
    """Store the findings not raised before (same kind and key), in one statement, as ``alerts.alerts_run``."""
    known = set(Alert.objects.filter(key__in=[a.key for a in found]).values_list("kind", "key"))
    new = [a for a in found if (a.kind, a.key) not in known]
    Alert.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


FINDINGS = pa.schema(
    [
        ("kind", pa.string()),
        ("key", pa.string()),
        ("region", pa.string()),
        ("year", pa.int64()),
        ("household_id", pa.int64()),
        ("payment_id", pa.int64()),
        ("amount", pa.decimal128(38, 2)),
        ("summary", pa.string()),
        ("evidence", pa.string()),
    ]
)


def write_findings(found: list[Alert], out: Path) -> int:
    """The findings as one Parquet file (evidence as JSON text), renamed into place when whole."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    table = pa.Table.from_pylist(
        [
            {
                "kind": a.kind,
                "key": a.key,
                "region": a.region_id,
                "year": a.year,
                "household_id": a.household_id,
                "payment_id": a.payment_id,
                "amount": None if a.amount is None else Decimal(a.amount),
                "summary": a.summary,
                "evidence": json.dumps(a.evidence, ensure_ascii=False, default=str),
            }
            for a in found
        ],
        schema=FINDINGS,
    )
    pq.write_table(table, tmp)
    tmp.replace(out)
    return table.num_rows
