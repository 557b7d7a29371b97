"""The risk score's features, one SQL query over the yearly snapshots (DuckDB over Parquet, or Spark SQL).

A household's features in year Y come from the canonical snapshot tables (``analytics.sources.SCHEMAS``) of Y,
Y−1 and Y−2: its income against the year's poverty line and how it moved, its members (labour, age, health,
insurance), its house, status and attribute, and what happened around it in its village (many households' income
falling at once is what a disaster looks like from the registry). A missing earlier snapshot or yearly record
gives NULL features (the model takes them as missing), never a guessed value.

``FEATURES`` is the contract with the model file: a model is refused unless it was trained on exactly this list,
in this order (``model.ModelMismatch``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

# name → what raises the risk, in words (the reasons shown to cadres; ``reasons.describe``)
FEATURES: tuple[str, ...] = (
    "income_ratio",  # per-capita net income ÷ the poverty line, this year
    "income_ratio_1",  # … last year
    "income_ratio_2",  # … the year before
    "income_change",  # log change this year against last year
    "income_change_1",  # log change last year against the year before
    "income_min",  # the lowest of the three ratios
    "no_record",  # no yearly record this year
    "persons",
    "workers",  # members 16–59 with ordinary or skilled labour
    "skilled",
    "dependants",  # share of members who are not workers
    "children",  # under 16
    "elders",  # 65 and over
    "workers_ageing_out",  # workers of 59, who leave working age next year
    "serious",  # members 患有大病
    "serious_new",  # … of them not seriously ill last year
    "serious_uninsured",  # a seriously ill member without basic medical or serious-illness insurance
    "chronic",
    "disabled",
    "uninsured",  # a member without either insurance
    "out_of_school",
    "dibao",  # members receiving 低保
    "house_unsafe",  # house grade C or D
    "house_damaged",  # C or D this year, A or B last year
    "water_unsafe",
    "monitored",  # already a monitoring object at year end
    "exited",  # 已脱贫
    "wubao",  # 特困供养
    "cause_illness",
    "cause_disaster",
    "cause_labour",
    "village_income",  # the village's median income ratio
    "village_falls",  # share of the village's households whose income fell by a quarter or more this year
    "village_falls_1",  # … last year
    "village_low",  # share of the village's households below 1.5 × the line this year
)


# The query reads the snapshot through these views (one per table and year it needs): DuckDB gets them as CTEs over
# ``read_parquet``, Spark as temporary views over ``spark.read.parquet`` — the rest of the query is the same text,
# written in SQL both dialects share (CAST rather than ``::``, aggregate FILTER, CASE, coalesce, greatest/least
# which skip NULLs in both).
VIEWS = ("snap_h0", "snap_h1", "snap_h2", "snap_m0", "snap_m1", "snap_l0", "snap_l1", "snap_l2")
_TABLES = {"h": "households", "m": "members", "l": "lines"}
_EMPTY = {
    "households": "SELECT CAST(NULL AS BIGINT) AS id, CAST(NULL AS STRING) AS village, CAST(NULL AS BOOLEAN) AS "
    "has_year, CAST(NULL AS DOUBLE) AS per_capita_net, CAST(NULL AS STRING) AS house_grade WHERE false",
    "members": "SELECT CAST(NULL AS BIGINT) AS household_id, CAST(NULL AS STRING) AS health WHERE false",
    "lines": "SELECT CAST(NULL AS STRING) AS province, CAST(NULL AS DOUBLE) AS line WHERE false",
}


_PARTITIONED = ("households", "members")  # by province in the canonical layout (``province=52/``)


def provinces(root: Path, year: int) -> list[str]:
    """The provinces of the snapshot of ``year`` (its ``households/province=…`` folders), none where it is not
    partitioned. A household's features read its own province only (its village, its line, its earlier years, as
    registered households do not change province), so the features can be worked out one province at a time."""
    folder = Path(root) / str(year) / "households"
    return sorted(p.name.split("=", 1)[1] for p in folder.glob("province=*") if p.is_dir())


def snapshot_views(root: Path, year: int, province: str | None = None) -> dict[str, tuple[str, Path | None]]:
    """view name → (table, its folder, or None where that year has no snapshot: an empty view then); with
    ``province``, the households and members of that province only (an empty view where a year lacks it)."""
    root = Path(root)

    def exists(y: int) -> bool:
        return (root / str(y) / "households").exists()

    if not exists(year):
        raise FileNotFoundError(f"no snapshot of {year} under {root}")
    views = {}
    for name in VIEWS:
        table, back = _TABLES[name[5]], int(name[6])
        y = year - back
        folder = root / str(y) / table if exists(y) else None
        if folder is not None and province is not None and table in _PARTITIONED:
            folder = folder / f"province={province}"
            folder = folder if folder.exists() else None
        views[name] = (table, folder)
    return views


def empty_view(table: str) -> str:
    """A query giving no rows with the columns of ``table`` the features read of an earlier year."""
    return _EMPTY[table]


def _duckdb_source(table: str, folder: Path | None) -> str:
    if folder is None:
        return empty_view(table)
    if table == "lines":
        return f"SELECT * FROM read_parquet('{folder}/*.parquet')"
    return (
        f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    )


def features_query(year: int) -> str:
    """The features of ``year`` over the views ``VIEWS`` (``snapshot_views``), in SQL that DuckDB and Spark
    both run: ``WITH …`` continued by the caller's own CTEs where it has any (``features_sql``)."""
    age = f"({year} - year(birth_date))"
    return f"""
WITH
h0 AS (SELECT id, village, substr(village, 1, 2) AS province, status, attribute, main_cause, persons, has_year,
              per_capita_net, house_grade, water_safe, out_of_school, uninsured FROM snap_h0),
h1 AS (SELECT id, village, has_year, per_capita_net, house_grade FROM snap_h1),
h2 AS (SELECT id, village, has_year, per_capita_net FROM snap_h2),
l0 AS (SELECT province, line FROM snap_l0),
l1 AS (SELECT province, line FROM snap_l1),
l2 AS (SELECT province, line FROM snap_l2),
m0 AS (
  SELECT household_id,
         count(*) FILTER (WHERE {age} BETWEEN 16 AND 59 AND labour IN ('ordinary', 'skilled')) AS workers,
         count(*) FILTER (WHERE labour = 'skilled') AS skilled,
         count(*) FILTER (WHERE {age} < 16) AS children,
         count(*) FILTER (WHERE {age} >= 65) AS elders,
         count(*) FILTER (WHERE {age} = 59 AND labour IN ('ordinary', 'skilled')) AS workers_ageing_out,
         count(*) FILTER (WHERE health = 'serious') AS serious,
         count(*) FILTER (WHERE health = 'serious' AND NOT (medical_insurance AND serious_illness_insurance)) > 0
           AS serious_uninsured,
         count(*) FILTER (WHERE health = 'chronic') AS chronic,
         count(*) FILTER (WHERE health = 'disabled') AS disabled,
         count(*) FILTER (WHERE dibao) AS dibao
  FROM snap_m0 GROUP BY household_id),
m1 AS (SELECT household_id, count(*) FILTER (WHERE health = 'serious') AS serious FROM snap_m1 GROUP BY household_id),
r AS (
  SELECT h0.*, m0.*,
         CASE WHEN h0.has_year THEN h0.per_capita_net / l0.line END AS income_ratio,
         CASE WHEN h1.has_year THEN h1.per_capita_net / l1.line END AS income_ratio_1,
         CASE WHEN h2.has_year THEN h2.per_capita_net / l2.line END AS income_ratio_2,
         h1.house_grade AS house_grade_1, coalesce(m1.serious, 0) AS serious_1, h1.id IS NOT NULL AS known_1
  FROM h0
  LEFT JOIN l0 ON l0.province = h0.province LEFT JOIN l1 ON l1.province = h0.province
  LEFT JOIN l2 ON l2.province = h0.province
  LEFT JOIN h1 ON h1.id = h0.id LEFT JOIN h2 ON h2.id = h0.id
  LEFT JOIN m0 ON m0.household_id = h0.id LEFT JOIN m1 ON m1.household_id = h0.id),
c AS (
  SELECT *,
         -- greatest() skips NULLs (both engines): a missing income must give a missing change, not a fall from 0.01
         CASE WHEN income_ratio IS NOT NULL AND income_ratio_1 IS NOT NULL
              THEN ln(greatest(income_ratio, 0.01) / greatest(income_ratio_1, 0.01)) END AS income_change,
         CASE WHEN income_ratio_1 IS NOT NULL AND income_ratio_2 IS NOT NULL
              THEN ln(greatest(income_ratio_1, 0.01) / greatest(income_ratio_2, 0.01)) END AS income_change_1
  FROM r),
v AS (
  SELECT village AS v_village,
         median(income_ratio) AS village_income,
         avg(CAST(income_change <= ln(0.75) AS INT)) AS village_falls,
         avg(CAST(income_change_1 <= ln(0.75) AS INT)) AS village_falls_1,
         avg(CAST(income_ratio < 1.5 AS INT)) AS village_low
  FROM c GROUP BY village)
SELECT c.id AS household_id, c.village,
       income_ratio, income_ratio_1, income_ratio_2, income_change, income_change_1,
       least(income_ratio, income_ratio_1, income_ratio_2) AS income_min,
       CAST(NOT has_year AS INT) AS no_record,
       persons, coalesce(workers, 0) AS workers, coalesce(skilled, 0) AS skilled,
       1.0 - coalesce(workers, 0) / greatest(persons, 1) AS dependants,
       coalesce(children, 0) AS children, coalesce(elders, 0) AS elders,
       coalesce(workers_ageing_out, 0) AS workers_ageing_out,
       coalesce(serious, 0) AS serious,
       greatest(coalesce(serious, 0) - serious_1, 0) AS serious_new,
       CAST(coalesce(serious_uninsured, false) AS INT) AS serious_uninsured,
       coalesce(chronic, 0) AS chronic, coalesce(disabled, 0) AS disabled,
       CAST(uninsured AS INT) AS uninsured, CAST(out_of_school AS INT) AS out_of_school,
       coalesce(dibao, 0) AS dibao,
       CAST(house_grade IN ('C', 'D') AS INT) AS house_unsafe,
       CASE WHEN known_1 THEN CAST(house_grade IN ('C', 'D') AND house_grade_1 IN ('A', 'B') AS INT) END
         AS house_damaged,
       CAST(NOT water_safe AS INT) AS water_unsafe,
       CAST(status = 'monitored' AS INT) AS monitored, CAST(status = 'exited' AS INT) AS exited,
       CAST(attribute = 'wubao' AS INT) AS wubao,
       CAST(main_cause = 'illness' AS INT) AS cause_illness, CAST(main_cause = 'disaster' AS INT) AS cause_disaster,
       CAST(main_cause = 'lack_labour' AS INT) AS cause_labour,
       village_income, village_falls, village_falls_1, village_low
FROM c JOIN v ON v.v_village = c.village
"""


def features_sql(root: Path, year: int, province: str | None = None) -> str:
    """The DuckDB query giving ``household_id``, ``village`` and every name of ``FEATURES`` for the snapshot of
    ``year`` under ``root`` (``<root>/<year>/households/…``): ``features_query`` with its views as CTEs; with
    ``province``, that province's households only."""
    views = snapshot_views(root, year, province)
    sources = ",\n".join(f"{name} AS ({_duckdb_source(*views[name])})" for name in VIEWS)
    query = features_query(year).lstrip()
    assert query.startswith("WITH\n")
    return "WITH\n" + sources + ",\n" + query[len("WITH\n") :]


def connect(*, threads: int | None = None, memory_limit: str = "2GB", temp_directory: str | None = None):
    """A DuckDB connection held to ``memory_limit`` (spilling to ``temp_directory`` beyond it, by default the
    system's temporary directory rather than the working one), rows in no particular order."""
    import duckdb

    temp = Path(temp_directory or Path(tempfile.gettempdir()) / "jingzhun-duckdb")
    temp.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit, "preserve_insertion_order": False, "temp_directory": str(temp)}
    if threads:
        config["threads"] = threads
    return duckdb.connect(config=config)


def feature_table(root: Path, year: int, *, con=None, province: str | None = None):
    """All features of ``year`` (of ``province`` only, if given) as one Arrow table (for training and tests;
    scoring streams instead)."""
    con = con or connect()
    relation = con.sql(features_sql(root, year, province))
    # DuckDB 2 renamed arrow()/fetch_arrow_reader() (both versions are allowed by pyproject)
    return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()


def feature_batches(root: Path, year: int, *, con, rows: int, province: str | None = None):
    """The features of ``year`` (of ``province`` only, if given) as a stream of Arrow record batches of at most
    ``rows`` rows."""
    relation = con.sql(features_sql(root, year, province))
    if hasattr(relation, "to_arrow_reader"):
        return relation.to_arrow_reader(rows)
    return relation.fetch_arrow_reader(rows)
