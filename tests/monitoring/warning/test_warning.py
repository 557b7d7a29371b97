"""Early warning (预警): the generator, the oracle, the model against the rule, the reasons and the model file."""

import json
import re
from datetime import date

import numpy as np
import pyarrow.parquet as pq
import pytest

from jingzhun.monitoring.warning import evaluation as ev
from jingzhun.monitoring.warning import generator, model, scoring
from jingzhun.monitoring.warning.features import FEATURES
from jingzhun.monitoring.warning.reasons import describe

HOUSEHOLDS = 6_000
TRAIN_YEARS = (2021, 2022)
TEST_YEAR = 2023  # its events are those of 2024, a year the model never saw


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return generator.generate(tmp_path_factory.mktemp("history"), households=HOUSEHOLDS, seed=7, years=6)


@pytest.fixture(scope="module")
def trained(history, tmp_path_factory):
    x, y = ev.stack([ev.year_data(history.root, year) for year in TRAIN_YEARS])
    fitted = model.train(x, y, training={"source": "test", "years": list(TRAIN_YEARS)}, rounds=60)
    return fitted, fitted.save(tmp_path_factory.mktemp("model") / "model.json")


@pytest.fixture(scope="module")
def test_year(history):
    return ev.year_data(history.root, TEST_YEAR)


def _tables(root):
    return {path.relative_to(root): pq.read_table(path) for path in sorted(root.rglob("*.parquet"))}


def test_the_generator_is_reproducible_from_its_seed(tmp_path):
    first = _tables(generator.generate(tmp_path / "a", households=400, seed=3, years=3).root)
    again = _tables(generator.generate(tmp_path / "b", households=400, seed=3, years=3).root)
    other = _tables(generator.generate(tmp_path / "c", households=400, seed=4, years=3).root)
    assert first.keys() == again.keys() and len(first) == 3 * 3 + 3  # households, members, lines; truth
    assert all(first[name].equals(again[name]) for name in first)
    assert not all(first[name].equals(other[name]) for name in first)


def test_a_shifted_last_year_leaves_the_years_before_it_as_they_were(tmp_path):
    standard = generator.generate(tmp_path / "s", households=2_000, seed=5, years=3)
    shifted = generator.generate(
        tmp_path / "x", households=2_000, seed=5, years=3, last_mix=generator.SHIFTED
    )
    for year in (2019, 2020):
        assert pq.read_table(standard.snapshot(year) / "households").equals(
            pq.read_table(shifted.snapshot(year) / "households")
        )
    assert standard.truth(2020)["event"].equals(shifted.truth(2020)["event"])
    # the shock mix of the last year changes what happens in it (more job loss and disaster, less illness)
    assert sum(shifted.truth(2021)["jobless"].to_pylist()) > sum(standard.truth(2021)["jobless"].to_pylist())


def test_the_snapshot_has_the_canonical_columns(history):
    from jingzhun.analytics.sources import SCHEMAS

    for name in ("households", "members"):
        table = pq.read_table(history.snapshot(2020) / name)
        assert set(table.column_names) == set(SCHEMAS[name].names)


def test_the_oracle_beats_the_rule_and_is_the_process(test_year):
    oracle, rule = ev.metrics(test_year.oracle, test_year), ev.metrics(test_year.rule * 1.0, test_year)
    assert oracle["auc"] > rule["auc"] + 0.1
    assert oracle["precision"] > rule["precision"]
    # the oracle's probabilities are the process's: their mean is next year's event rate
    assert abs(test_year.oracle.mean() - test_year.event.mean()) < 0.01


def test_a_model_trained_on_earlier_years_ranks_better_than_the_rule_on_a_later_year(trained, test_year):
    fitted, _ = trained
    score = fitted.predict(test_year.x)
    found, rule = ev.metrics(score, test_year), ev.metrics(test_year.rule * 1.0, test_year)
    oracle = ev.metrics(test_year.oracle, test_year)
    assert found["auc"] > rule["auc"] + 0.1
    assert found["precision"] > rule["precision"]
    assert found["auc"] <= oracle["auc"] + 0.01  # nothing beats the truth, beyond noise


def test_scores_carry_their_reasons_in_words_and_their_date(history, trained, tmp_path):
    fitted, _ = trained
    result = scoring.score_snapshot(
        history.root,
        TEST_YEAR,
        fitted,
        out=tmp_path / "scores.parquet",
        scored_on=date(2024, 1, 15),
        batch_rows=1_000,
    )
    assert result.rows == HOUSEHOLDS
    scores = pq.read_table(result.path)
    assert set(scores.column("scored_on").to_pylist()) == {date(2024, 1, 15)}
    assert len(set(scores.column("household_id").to_pylist())) == HOUSEHOLDS
    top = scores.sort_by([("score", "descending")]).slice(0, 50).column("reasons").to_pylist()
    assert all(1 <= len(reasons) <= 3 for reasons in top)
    for reason in (r for reasons in top for r in reasons):
        assert re.search(r"[\u4e00-\u9fff]", reason), reason  # Chinese words
        assert not re.search(r"[a-z]+_[a-z]+", reason), reason  # never a feature's name
    low = (
        scores.filter(scores.column("score").to_numpy() < scoring.REASON_FLOOR).column("reasons").to_pylist()
    )
    assert all(reasons == [] for reasons in low)
    # the list a village's cadres visit: its own households, highest risk first
    village = scores.column("village")[0].as_py()
    listed = scoring.ranked(result.path, village)
    assert {row["village"] for row in listed} == {village}
    assert [row["score"] for row in listed] == sorted((row["score"] for row in listed), reverse=True)
    assert [row["rank"] for row in listed] == list(range(1, len(listed) + 1))
    township = scoring.ranked(result.path, village[:9] + "000", limit=5)
    assert len(township) == 5 and all(row["village"].startswith(village[:9]) for row in township)


def test_reasons_for_the_top_of_each_village_whatever_the_model_s_scale(history, trained, tmp_path):
    """With a share, each village's list has reasons for its top households (the share rounded up, at least
    three) and for no one else, the scores are those of the floor's path, and the order is the list's."""
    fitted, _ = trained
    by_floor = scoring.score_snapshot(
        history.root, TEST_YEAR, fitted, out=tmp_path / "floor.parquet", batch_rows=1_000
    )
    by_share = scoring.score_snapshot(
        history.root, TEST_YEAR, fitted, out=tmp_path / "share.parquet", batch_rows=1_000, share=0.1
    )
    floor = pq.read_table(by_floor.path).sort_by("household_id")
    share = pq.read_table(by_share.path).sort_by("household_id")
    assert by_share.rows == HOUSEHOLDS and not (tmp_path / "share.parquet.scores-only").exists()
    assert np.array_equal(floor.column("score").to_numpy(), share.column("score").to_numpy())
    said_by_floor = dict(
        zip(floor.column("household_id").to_pylist(), floor.column("reasons").to_pylist(), strict=True)
    )
    villages, chosen = {}, 0
    for row in share.to_pylist():
        villages.setdefault(row["village"], []).append(row)
    for listed in villages.values():
        listed.sort(key=lambda r: (-r["score"], r["household_id"]))
        k = max(int(np.ceil(0.1 * len(listed))), min(scoring.REASON_LEAST, len(listed)))
        chosen += k
        assert all(r["reasons"] == [] for r in listed[k:])  # below the village's top: no reasons worked out
        for r in listed[:k]:  # the same words as the floor's path gives wherever that path gave any
            assert said_by_floor[r["household_id"]] in ([], r["reasons"])
    explained = [r for rows in villages.values() for r in rows if r["reasons"]]
    assert 0.1 * HOUSEHOLDS <= chosen <= 0.1 * HOUSEHOLDS + len(villages) * scoring.REASON_LEAST
    assert 0.8 * chosen <= len(explained) <= chosen
    # the cost is bounded by the share, not by how many households the model puts above the floor
    assert len(explained) < sum(1 for said in said_by_floor.values() if said), len(explained)
    with pytest.raises(ValueError, match="share"):
        scoring.score_snapshot(history.root, TEST_YEAR, fitted, out=tmp_path / "bad.parquet", share=1.5)


def test_the_reasons_are_the_features_that_raised_the_score(trained, test_year):
    fitted, _ = trained
    x = test_year.x[:600]
    full = fitted.booster.predict(x, pred_contrib=True)
    # SHAP contributions and the bias add up to the model's score exactly
    assert np.allclose(full.sum(axis=1), fitted.booster.predict(x, raw_score=True))
    contributions = scoring._merge_lowest_income(full[:, : len(FEATURES)], x)
    lists = scoring.reason_lists(full[:, : len(FEATURES)], x).to_pylist()
    for row, reasons in enumerate(lists):
        raised = np.flatnonzero(contributions[row] > 0)
        assert len(reasons) == min(3, len(raised))
        if len(raised):
            first = int(np.argmax(contributions[row]))
            assert reasons[0] == describe(FEATURES[first], float(x[row, first]))
    assert describe("serious_new", 1.0) == "今年新增大病患者 1 人"
    assert describe("income_change", np.log(0.68)) == "今年人均纯收入比上一年下降 32%"
    assert describe("income_ratio_1", float("nan")) == "上年无收入记录"


def test_a_model_file_whose_features_do_not_match_is_refused(trained, tmp_path):
    _, path = trained
    assert model.load(path).features == FEATURES
    document = json.loads(path.read_text())
    assert (
        document["training"]["years"] == list(TRAIN_YEARS) and document["training"]["rows"] == 2 * HOUSEHOLDS
    )
    document["features"] = [*FEATURES[:-1], "village_floods"]
    (tmp_path / "old.json").write_text(json.dumps(document))
    with pytest.raises(model.ModelMismatch, match=r"缺少 village_low；多出 village_floods.*拒绝用它评分"):
        model.load(tmp_path / "old.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(model.ModelMismatch, match="不是预警模型文件"):
        model.load(tmp_path / "other.json")


def test_score_year_is_one_call_with_the_settings(history, trained, settings, tmp_path):
    _, path = trained
    settings.SNAPSHOT_DIR = history.root
    settings.DATA_DIR = tmp_path
    (tmp_path / "warning").mkdir()
    (tmp_path / "warning" / "model.json").write_bytes(path.read_bytes())
    result = scoring.score_year(TEST_YEAR, scored_on=date(2024, 1, 2))
    assert result.path == tmp_path / "warning" / "scores" / f"{TEST_YEAR}.parquet"
    assert pq.read_metadata(result.path).num_rows == HOUSEHOLDS


def test_a_synthetic_model_for_the_demo_loads_and_says_what_it_is(tmp_path):
    path = ev.synthetic_model(tmp_path / "model.json", households=1_500, seed=1)
    loaded = model.load(path)
    assert loaded.training["source"].startswith("synthetic") and loaded.training["years"] == [
        2021,
        2022,
        2023,
        2024,
    ]


def _two_provinces(root, out, years):
    """The history's province copied as a second one (village codes 53…, ids shifted), for each of ``years``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    shift = 10**9
    for year in years:
        for table in ("households", "members"):
            (part,) = (root / str(year) / table).glob("province=*")
            original = pq.read_table(part)
            copy = original
            for name in ("id", "household_id"):
                if name in copy.column_names:
                    i = copy.column_names.index(name)
                    copy = copy.set_column(i, name, pc.add(copy.column(name), shift))
            i = copy.column_names.index("village")
            village = pc.binary_join_element_wise(
                "53", pc.utf8_slice_codeunits(copy.column("village").cast(pa.string()), 2), ""
            )
            copy = copy.set_column(i, "village", village.cast(copy.schema.field("village").type))
            for name, data in ((part.name, original), ("province=53", copy)):
                (out / str(year) / table / name).mkdir(parents=True)
                pq.write_table(data, out / str(year) / table / name / "part-0.parquet")
        lines = pq.read_table(root / str(year) / "lines")
        extra = pa.table({"province": ["53"] * lines.num_rows, "line": lines.column("line")}).cast(
            lines.schema
        )
        (out / str(year) / "lines").mkdir(parents=True)
        pq.write_table(pa.concat_tables([lines, extra]), out / str(year) / "lines" / "part-0.parquet")


def test_a_partitioned_snapshot_is_scored_one_province_at_a_time_as_one_query_would(
    history, trained, tmp_path
):
    from jingzhun.monitoring.warning import features

    root = tmp_path / "two"
    _two_provinces(history.root, root, [TEST_YEAR - 2, TEST_YEAR - 1, TEST_YEAR])
    assert features.provinces(root, TEST_YEAR) == [generator.PROVINCE, "53"]
    whole = features.feature_table(root, TEST_YEAR).sort_by("household_id")
    import pyarrow as pa

    per_province = [
        features.feature_table(root, TEST_YEAR, province=p) for p in features.provinces(root, TEST_YEAR)
    ]
    joined = pa.concat_tables(per_province).sort_by("household_id")
    assert joined.num_rows == whole.num_rows == 2 * HOUSEHOLDS
    for name in ("household_id", *FEATURES):
        a, b = (
            whole.column(name).to_numpy(zero_copy_only=False),
            joined.column(name).to_numpy(zero_copy_only=False),
        )
        assert np.allclose(a.astype(float), b.astype(float), equal_nan=True), name
    # the history is read: last year's income is there for the copy too
    assert joined.column("income_ratio_1").null_count < joined.num_rows
    fitted, _ = trained
    result = scoring.score_snapshot(
        root, TEST_YEAR, fitted, out=tmp_path / "scores.parquet", batch_rows=1_000
    )
    scores = pq.read_table(result.path).sort_by("household_id")
    assert result.rows == 2 * HOUSEHOLDS
    assert scores.column("household_id").to_pylist() == whole.column("household_id").to_pylist()
    # the copy's households score as their originals do
    half = scores.column("score").to_numpy()
    assert np.allclose(half[:HOUSEHOLDS], half[HOUSEHOLDS:])
