"""The risk score's features, one SQL query over the yearly snapshots (DuckDB over Parquet).

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


def _households(root: Path, year: int) -> str:
    return f"read_parquet('{root / str(year) / 'households'}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def _members(root: Path, year: int) -> str:
    return f"read_parquet('{root / str(year) / 'members'}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def _lines(root: Path, year: int) -> str:
    return f"read_parquet('{root / str(year) / 'lines'}/*.parquet')"


def _empty_households() -> str:
    return "(SELECT NULL::BIGINT AS id, NULL::VARCHAR AS village, NULL::BOOLEAN AS has_year, NULL::DOUBLE AS per_capita_net, NULL::VARCHAR AS house_grade WHERE false)"


def _empty_members() -> str:
    return "(SELECT NULL::BIGINT AS household_id, NULL::VARCHAR AS health WHERE false)"


def _empty_lines() -> str:
    return "(SELECT NULL::VARCHAR AS province, NULL::DOUBLE AS line WHERE false)"


def features_sql(root: Path, year: int) -> str:
    """The query giving ``household_id``, ``village`` and every name of ``FEATURES`` for the snapshot of
    ``year`` under ``root`` (``<root>/<year>/households/…``)."""
    root = Path(root)

    def exists(y: int) -> bool:
        return (root / str(y) / "households").exists()

    if not exists(year):
        raise FileNotFoundError(f"no snapshot of {year} under {root}")
    h = {y: _households(root, y) if exists(y) else _empty_households() for y in (year, year - 1, year - 2)}
    m1 = _members(root, year - 1) if exists(year - 1) else _empty_members()
    lines = {y: _lines(root, y) if exists(y) else _empty_lines() for y in (year, year - 1, year - 2)}
    age = f"({year} - year(birth_date))"
    return f"""
WITH
h0 AS (SELECT id, village, substr(village, 1, 2) AS province, status, attribute, main_cause, persons, has_year,
              per_capita_net, house_grade, water_safe, out_of_school, uninsured FROM {h[year]}),
h1 AS (SELECT id, village, has_year, per_capita_net, house_grade FROM {h[year - 1]}),
h2 AS (SELECT id, village, has_year, per_capita_net FROM {h[year - 2]}),
l0 AS (SELECT province, line FROM {lines[year]}),
l1 AS (SELECT province, line FROM {lines[year - 1]}),
l2 AS (SELECT province, line FROM {lines[year - 2]}),
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
  FROM {_members(root, year)} GROUP BY household_id),
m1 AS (SELECT household_id, count(*) FILTER (WHERE health = 'serious') AS serious FROM {m1} GROUP BY household_id),
r AS (
  SELECT h0.*, m0.*,
         CASE WHEN h0.has_year THEN h0.per_capita_net / l0.line END AS income_ratio,
         CASE WHEN h1.has_year THEN h1.per_capita_net / l1.line END AS income_ratio_1,
         CASE WHEN h2.has_year THEN h2.per_capita_net / l2.line END AS income_ratio_2,
         h1.house_grade AS house_grade_1, coalesce(m1.serious, 0) AS serious_1, h1.id IS NOT NULL AS known_1
  FROM h0
  LEFT JOIN l0 USING (province) LEFT JOIN l1 USING (province) LEFT JOIN l2 USING (province)
  LEFT JOIN h1 ON h1.id = h0.id LEFT JOIN h2 ON h2.id = h0.id
  LEFT JOIN m0 ON m0.household_id = h0.id LEFT JOIN m1 ON m1.household_id = h0.id),
c AS (
  SELECT *,
         -- DuckDB's greatest() skips NULLs: a missing income must give a missing change, not a fall from 0.01
         CASE WHEN income_ratio IS NOT NULL AND income_ratio_1 IS NOT NULL
              THEN ln(greatest(income_ratio, 0.01) / greatest(income_ratio_1, 0.01)) END AS income_change,
         CASE WHEN income_ratio_1 IS NOT NULL AND income_ratio_2 IS NOT NULL
              THEN ln(greatest(income_ratio_1, 0.01) / greatest(income_ratio_2, 0.01)) END AS income_change_1
  FROM r),
v AS (
  SELECT village,
         median(income_ratio) AS village_income,
         avg((income_change <= ln(0.75))::INT) AS village_falls,
         avg((income_change_1 <= ln(0.75))::INT) AS village_falls_1,
         avg((income_ratio < 1.5)::INT) AS village_low
  FROM c GROUP BY village)
SELECT c.id AS household_id, c.village,
       income_ratio, income_ratio_1, income_ratio_2, income_change, income_change_1,
       least(income_ratio, income_ratio_1, income_ratio_2) AS income_min,
       (NOT has_year)::INT AS no_record,
       persons, coalesce(workers, 0) AS workers, coalesce(skilled, 0) AS skilled,
       1.0 - coalesce(workers, 0) / greatest(persons, 1) AS dependants,
       coalesce(children, 0) AS children, coalesce(elders, 0) AS elders,
       coalesce(workers_ageing_out, 0) AS workers_ageing_out,
       coalesce(serious, 0) AS serious,
       greatest(coalesce(serious, 0) - serious_1, 0) AS serious_new,
       coalesce(serious_uninsured, false)::INT AS serious_uninsured,
       coalesce(chronic, 0) AS chronic, coalesce(disabled, 0) AS disabled,
       uninsured::INT AS uninsured, out_of_school::INT AS out_of_school, coalesce(dibao, 0) AS dibao,
       (house_grade IN ('C', 'D'))::INT AS house_unsafe,
       CASE WHEN known_1 THEN (house_grade IN ('C', 'D') AND house_grade_1 IN ('A', 'B'))::INT END AS house_damaged,
       (NOT water_safe)::INT AS water_unsafe,
       (status = 'monitored')::INT AS monitored, (status = 'exited')::INT AS exited,
       (attribute = 'wubao')::INT AS wubao,
       (main_cause = 'illness')::INT AS cause_illness, (main_cause = 'disaster')::INT AS cause_disaster,
       (main_cause = 'lack_labour')::INT AS cause_labour,
       village_income, village_falls, village_falls_1, village_low
FROM c JOIN v USING (village)
"""


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


def feature_table(root: Path, year: int, *, con=None):
    """All features of ``year`` as one Arrow table (for training and tests; scoring streams instead)."""
    con = con or connect()
    relation = con.sql(features_sql(root, year))
    # DuckDB 2 renamed arrow()/fetch_arrow_reader() (both versions are allowed by pyproject)
    return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()


def feature_batches(root: Path, year: int, *, con, rows: int):
    """The features of ``year`` as a stream of Arrow record batches of at most ``rows`` rows."""
    relation = con.sql(features_sql(root, year))
    if hasattr(relation, "to_arrow_reader"):
        return relation.to_arrow_reader(rows)
    return relation.fetch_arrow_reader(rows)
