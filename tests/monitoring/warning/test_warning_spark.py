"""Issue 20's national case: the same snapshot scored on Spark (local[2]) gives every household the score and the
reasons DuckDB gives it — the features by the same SQL over Spark's views, the model applied on the executors."""

from datetime import date

import numpy as np
import pyarrow.parquet as pq
import pytest

from jingzhun.monitoring.warning import evaluation as ev
from jingzhun.monitoring.warning import generator, model, scoring

pytest.importorskip("pyspark")

HOUSEHOLDS = 3_000
SCORED_ON = date(2024, 1, 15)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return generator.generate(tmp_path_factory.mktemp("history"), households=HOUSEHOLDS, seed=11, years=3)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    return model.load(ev.synthetic_model(tmp_path_factory.mktemp("model") / "model.json", households=5_000))


@pytest.fixture(scope="module")
def spark():
    session = scoring.spark_session("local[2]")
    yield session
    session.stop()


def _by_household(path):
    return pq.read_table(path).sort_by("household_id")


@pytest.mark.parametrize("which", ["last", "first"])  # the first year has no earlier snapshots: empty views
def test_duckdb_and_spark_give_each_household_the_same_score_and_reasons(
    history, fitted, spark, tmp_path, which
):
    year = history.years[-1] if which == "last" else history.years[0]
    duck = scoring.score_snapshot(
        history.root, year, fitted, out=tmp_path / "duck.parquet", scored_on=SCORED_ON
    )
    on_spark = scoring.score_snapshot_spark(
        history.root, year, fitted, out=tmp_path / "spark.parquet", scored_on=SCORED_ON, session=spark
    )
    assert duck.rows == on_spark.rows == HOUSEHOLDS
    a, b = _by_household(duck.path), _by_household(on_spark.path)
    assert a.column_names == b.column_names == scoring.SCORES.names
    assert a.column("household_id").equals(b.column("household_id"))
    np.testing.assert_allclose(b.column("score").to_numpy(), a.column("score").to_numpy(), rtol=1e-9, atol=0)
    assert a.column("reasons").to_pylist() == b.column("reasons").to_pylist()
    assert any(a.column("reasons").to_pylist())  # some households have reasons to compare
    for name in ("village", "year", "scored_on", "model"):
        assert a.column(name).to_pylist() == b.column(name).to_pylist(), name
    # the cadres' list reads the Spark file unchanged
    village = b.column("village")[0].as_py()
    assert scoring.ranked(on_spark.path, village) == scoring.ranked(duck.path, village)
    assert not list(tmp_path.glob("*.spark")) and not list(tmp_path.glob("*.part"))


def test_an_unknown_engine_is_refused(history, fitted, tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        scoring.score_snapshot(
            history.root, history.years[-1], fitted, out=tmp_path / "x.parquet", engine="spark"
        )
