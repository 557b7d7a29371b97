"""The column-wise exports (issue 23): the cells people read, masking by the one helper, formula guards, and the
same file whichever way the rows are read (ADBC's binary COPY or Django's cursor)."""

import csv
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.db import connection, transaction

from jingzhun.core import masking
from jingzhun.imports import export
from jingzhun.imports.layout import FLAT_COLUMNS, cell_value
from jingzhun.registry.models import Household, HouseholdYear, Member
from tests.imports.test_import_export import county_data  # noqa: F401 (fixture)

HEADERS = [c.header for c in FLAT_COLUMNS]


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADERS
    return [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]


def _column(key):
    return next(c for c in FLAT_COLUMNS if c.key == key)


def test_a_persons_row_shows_labels_yes_no_causes_and_amounts_to_the_cent(tmp_path, county_data):  # noqa: F811
    household = Household.objects.filter(other_causes__len__gt=0).first() or Household.objects.first()
    member = household.members.filter(is_active=True).order_by("id").first()
    record = HouseholdYear.objects.filter(household=household).order_by("-year").first()
    path = tmp_path / "h.csv"
    persons = export.write_csv(path, Household.objects.all(), mask=False)
    rows = _rows(path)
    assert persons == len(rows) == Member.objects.filter(is_active=True).count()
    row = next(r for r in rows if r["公民身份号码"] == member.id_number)
    assert row["户编号"] == household.number and row["姓名"] == member.name
    for key in ("household.main_cause", "household.other_causes", "member.relationship", "member.education"):
        source = household if key.startswith("household") else member
        assert row[_column(key).header] == cell_value(_column(key), getattr(source, key.split(".")[1]))
    assert row["饮水安全"] == ("是" if record.water_safe else "否")
    assert Decimal(row["工资性收入"]) == record.wage and row["工资性收入"].count(".") == 1
    assert Decimal(row["人均纯收入"]) == record.per_capita_net
    assert row["年度"] == str(record.year)


def test_a_masked_export_masks_through_the_one_helper(tmp_path, county_data):  # noqa: F811
    path = tmp_path / "masked.csv"
    export.write_csv(path, Household.objects.all(), mask=True)
    by_name = {(r["户编号"], r["姓名"]): r for r in _rows(path)}
    for m in Member.objects.filter(is_active=True).select_related("household"):
        row = by_name[(m.household.number, m.name)]
        assert row["公民身份号码"] == masking.mask_id_number(m.id_number) != m.id_number
        assert row["健康状况"] == "***"
        assert row["联系电话"] == (masking.mask_phone(m.household.phone) if m.household.phone else "")


def test_formula_like_text_is_guarded_in_csv_and_kept_as_it_is_in_parquet(tmp_path, county_data):  # noqa: F811
    member = Member.objects.filter(is_active=True).first()
    Member.objects.filter(pk=member.pk).update(name="=HYPERLINK(1)")
    export.write_csv(tmp_path / "h.csv", Household.objects.all(), mask=False)
    assert "'=HYPERLINK(1)" in [r["姓名"] for r in _rows(tmp_path / "h.csv")]
    export.write_parquet(tmp_path / "h.parquet", Household.objects.all(), mask=False)
    assert "=HYPERLINK(1)" in pq.read_table(tmp_path / "h.parquet").column("姓名").to_pylist()


def test_an_export_of_nothing_has_its_header_only(tmp_path, county_data):  # noqa: F811
    none = Household.objects.none()
    assert export.write_csv(tmp_path / "n.csv", none, mask=True) == 0
    assert _rows(tmp_path / "n.csv") == []
    assert export.write_parquet(tmp_path / "n.parquet", none, mask=True) == 0
    assert pq.read_table(tmp_path / "n.parquet").column_names == HEADERS
    assert export.write_xlsx(tmp_path / "n.xlsx", none, mask=True) == (0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in the PostgreSQL half of `make test`")
def test_adbc_and_the_django_cursor_give_the_same_file(transactional_db, tmp_path, county_data):  # noqa: F811
    # Outside a transaction the rows come through ADBC (numerics as text, jsonb as arrow.json); inside one,
    # through Django's cursor (Decimals, lists): the cells must not depend on which.
    export.write_csv(tmp_path / "adbc.csv", Household.objects.all(), mask=True)
    with transaction.atomic():
        export.write_csv(tmp_path / "cursor.csv", Household.objects.all(), mask=True)
    first = (tmp_path / "adbc.csv").read_bytes()
    assert first == (tmp_path / "cursor.csv").read_bytes() and first.count(b"\r\n") > 25


def test_the_csv_text_is_what_pythons_csv_writer_writes_quoted_only_where_a_cell_needs_it():
    import csv
    import io

    import pyarrow as pa

    plain = [pa.array(["a", "", "张三", "'=1+2"]), pa.array(["1", "2", "", "x y"])]
    needing_quotes = [pa.array(["a,b", 'x"y', "line\nbreak", "cr\rlf"]), pa.array(["", "1", "2", "3"])]
    for cells in (plain, needing_quotes):
        expected = io.StringIO()
        csv.writer(expected).writerows(zip(*(c.to_pylist() for c in cells), strict=True))
        assert export._csv_rows(cells) == expected.getvalue()


def _same(new, old) -> bool:
    """The same CSV byte for byte; the same Parquet table (its row groups follow the chunks written)."""
    if new.suffix == ".csv":
        return new.read_bytes() == old.read_bytes()
    return pq.read_table(new).equals(pq.read_table(old)) and pq.read_schema(new) == pq.read_schema(old)


def _plant_awkward_cells():
    """Cells that test every rule: a formula, quotes, a comma and a line break, short personal numbers, an
    unknown code, an empty health, no other cause, an unknown cause, no road distance, a zero amount."""
    members = list(Member.objects.filter(is_active=True).order_by("id")[:6])
    Member.objects.filter(pk=members[0].pk).update(name="=HYPERLINK(1)", phone="1380")
    Member.objects.filter(pk=members[1].pk).update(name='王"二", 小\n名', id_number="5226", employer="-x")
    Member.objects.filter(pk=members[2].pk).update(
        ethnicity="zz", health="", disability_certificate="52263419"
    )
    Household.objects.filter(pk=members[3].household_id).update(other_causes=[], phone="+86 1380000111")
    HouseholdYear.objects.filter(household=members[4].household_id).update(road_distance_km=None, wage=0)
    Household.objects.filter(pk=members[5].household_id).update(other_causes=["illness", "unknown"])


@pytest.mark.parametrize(
    "cells, separate_connections",
    [("duckdb", False), ("duckdb", True), ("postgresql", False), ("postgresql", True)],
)
def test_cells_made_by_duckdb_or_the_database_give_the_same_files_byte_for_byte(
    request, tmp_path, county_data, cells, separate_connections  # noqa: F811
):  # fmt: skip
    # DuckDB (the default, on both databases) or PostgreSQL makes the cells (labels, amounts, yes/no, masking,
    # the formula guard, the CSV's quoting); the files must be those of the Arrow path, masked and in full.
    # Outside a transaction the streams come on connections of their own (ADBC), read at once.
    if connection.vendor != "postgresql" and (cells == "postgresql" or separate_connections):
        pytest.skip("PostgreSQL's cells and ADBC's connections: in the PostgreSQL half of `make test`")
    if separate_connections:
        request.getfixturevalue("transactional_db")
    _plant_awkward_cells()
    for mask in (True, False):
        for fmt, write in (("csv", export.write_csv), ("parquet", export.write_parquet)):
            new, old = tmp_path / f"{cells}-{mask}.{fmt}", tmp_path / f"arrow-{mask}.{fmt}"
            assert (
                write(new, Household.objects.all(), mask=mask, cells=cells)
                == Member.objects.filter(is_active=True).count()
            )
            write(old, Household.objects.all(), mask=mask, cells="arrow")
            assert _same(new, old), (fmt, mask)
    rows = _rows(tmp_path / f"{cells}-True.csv")
    assert "'=HYPERLINK(1)" in [r["姓名"] for r in rows] and '王"二", 小\n名' in [r["姓名"] for r in rows]
    assert "'-x" in [r["务工企业名称"] for r in rows]
    assert all("*" in r["公民身份号码"] for r in rows)
    assert export.write_csv(tmp_path / "none.csv", Household.objects.none(), mask=True, cells=cells) == 0
    assert _rows(tmp_path / "none.csv") == []


@pytest.mark.parametrize("batch", [1, 7])
def test_duckdb_cells_hold_whole_households_whatever_the_batches_the_rows_come_in(
    monkeypatch, tmp_path, county_data, batch  # noqa: F811
):  # fmt: skip
    # The members come in batches that cut households (read by Django's cursor, ``batch`` rows at a time; a
    # column empty in one batch is of type null there): each chunk must still hold whole households, joined
    # to their own household and year, and the head found among all their members.
    from jingzhun.core import arrowsql

    _plant_awkward_cells()
    monkeypatch.setattr(arrowsql, "BATCH", batch)
    with transaction.atomic():  # PostgreSQL too reads through Django's cursor, in batches
        for fmt, write in (("csv", export.write_csv), ("parquet", export.write_parquet)):
            new, old = tmp_path / f"duck.{fmt}", tmp_path / f"arrow.{fmt}"
            write(new, Household.objects.all(), mask=True, year=2016)
            monkeypatch.setattr(arrowsql, "BATCH", 50_000)
            write(old, Household.objects.all(), mask=True, year=2016, cells="arrow")
            monkeypatch.setattr(arrowsql, "BATCH", batch)
            assert _same(new, old), fmt


def test_an_unknown_way_of_making_cells_is_refused(tmp_path, county_data):  # noqa: F811
    with pytest.raises(ValueError, match="cells"):
        export.write_csv(tmp_path / "x.csv", Household.objects.all(), mask=True, cells="excel")
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL only"):
            export.write_csv(tmp_path / "x.csv", Household.objects.all(), mask=True, cells="postgresql")


def test_our_layout_has_the_household_columns_first_then_the_members():
    # the database-made files write a row as its household's part then its member's
    parts = [c.part != "member" for c in FLAT_COLUMNS]
    assert parts == sorted(parts, reverse=True) and parts.count(False) == len(FLAT_COLUMNS) - export._SPLIT


def test_more_yes_no_columns_than_a_streams_bits_hold_are_refused():
    from jingzhun.imports import duck_cells

    assert "<< 60" in duck_cells._bits_sql("m", [f"f{i}" for i in range(31)])
    with pytest.raises(ValueError, match="at most 31"):
        duck_cells._bits_sql("m", [f"f{i}" for i in range(32)])
