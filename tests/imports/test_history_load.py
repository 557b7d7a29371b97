"""Only procedures change a status; existing 建档立卡 data comes in through the historical load (历史数据载入), an
explicit path for national and provincial administrators that writes each household's status history with the
years on its record — the same on the column path and the row path — and marks it as such in the audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.core.models import AuditLog
from jingzhun.imports.services import import_file
from jingzhun.registry import services as registry
from jingzhun.registry.choices import HouseholdStatus as S
from jingzhun.registry.models import Household, StatusChange, StatusSource
from jingzhun.registry.status import loading_history, with_status_at_end_of
from tests.imports.test_columnar import _households, _write, flat_rows
from tests.imports.test_import_export import wipe_registry

# status, 识别年度, 脱贫年度 of the six households of the file
RECORDS = [
    (S.REGISTERED, 2015, None),
    (S.EXITED, 2014, 2016),
    (S.EXITED, 2015, 2018),
    (S.RETURNED, 2014, 2017),
    (S.CANCELLED, 2016, None),
    (S.UNIDENTIFIED, None, None),
]


def _file(tmp_path, records=RECORDS, name="history.csv"):
    items = _households(len(records))
    for item, (status, identified, exited) in zip(items, records, strict=True):
        item["household"].update(status=status, identified_year=identified, exit_year=exited)
    return _write(tmp_path / name, [row for item in items for row in flat_rows(item)]), items


def _history() -> list[tuple]:
    """Every household's history by its head's name: what the file said, not how it was written."""
    return sorted(
        StatusChange.objects.values_list(
            "household__head_name", "from_status", "to_status", "business_year", "effective_on", "source"
        )
    )


@pytest.mark.parametrize("columns", [True, False])
def test_a_historical_load_writes_each_households_history_by_its_years(tmp_path, users, columns):
    path, _items = _file(tmp_path)
    result = import_file(user=users["national"], path=path, history_year=2019, columns=columns)
    assert result.ok and result.created == 6, [g.errors for g in result.failed_groups]
    rows = StatusChange.objects.order_by("household_id", "id")
    by_household = {}
    for change in rows:
        by_household.setdefault(change.household_id, []).append(
            (change.from_status, change.to_status, change.business_year)
        )
    assert sorted(by_household.values()) == sorted(
        [
            [("", S.REGISTERED, 2015)],
            [("", S.REGISTERED, 2014), (S.REGISTERED, S.EXITED, 2016)],
            [("", S.REGISTERED, 2015), (S.REGISTERED, S.EXITED, 2018)],
            [("", S.REGISTERED, 2014), (S.REGISTERED, S.EXITED, 2017), (S.EXITED, S.RETURNED, 2019)],
            [("", S.REGISTERED, 2016), (S.REGISTERED, S.CANCELLED, 2019)],
        ]
    )
    assert {c.source for c in rows} == {StatusSource.HISTORICAL}
    assert {c.reference for c in rows} == {f"导入任务 #{result.job.pk}"}
    assert all(c.effective_on.month == 12 and c.effective_on.day == 31 for c in rows)
    # the years answer from the history: 2016 had two exited households' first exit, 2019 the return
    at = {y: sorted(with_status_at_end_of(Household.objects.all(), y).values_list("year_end_status", flat=True))
          for y in (2013, 2016, 2019)}  # fmt: skip
    assert at[2013] == [S.UNIDENTIFIED] * 6
    assert at[2016].count(S.EXITED) == 1 and at[2016].count(S.REGISTERED) == 4
    assert at[2019] == sorted(h.status for h in Household.objects.all())
    # marked as such in the audit: every create entry says it came from the historical load
    creates = AuditLog.objects.filter(model="registry.household", action="create")
    assert creates.count() == 6
    assert all(
        "historical_load" in e.changes and "2019" in str(e.changes["historical_load"]) for e in creates
    )


def test_both_paths_write_the_same_history(tmp_path, users):
    histories = []
    for columns in (True, False):
        path, _items = _file(tmp_path, name=f"h{columns}.csv")
        import_file(user=users["national"], path=path, history_year=2019, columns=columns)
        histories.append(_history())
        wipe_registry()
    assert histories[0] == histories[1] and len(histories[0]) == 10


def test_an_ordinary_import_refuses_statuses_by_row_and_saves_nothing(tmp_path, users):
    path, _items = _file(tmp_path)
    result = import_file(user=users["county"], path=path)
    assert not result.ok and result.created == 0 and Household.objects.count() == 0
    messages = [e for g in result.failed_groups for e in g.errors]
    assert len(result.failed_groups) == 5  # the 未识别 one would have been fine
    assert all("只能由识别公告、退出销号、返贫和注销程序改变" in m for m in messages)
    assert any("历史数据载入" in m for m in messages)


def test_only_national_and_provincial_administrators_load_history(tmp_path, users):
    path, _items = _file(tmp_path)
    with pytest.raises(PermissionDenied, match="载入历史建档立卡数据"):
        import_file(user=users["county"], path=path, history_year=2019)
    assert Household.objects.count() == 0


def test_a_history_that_contradicts_itself_is_refused_by_row(tmp_path, users):
    bad = [
        (S.EXITED, 2015, None),  # exited without its year
        (S.REGISTERED, 2015, 2017),  # an exit year on a household still registered
        (S.EXITED, 2018, 2016),  # exited before it was identified
        (S.REGISTERED, 2021, None),  # identified after the data year
    ]
    path, _items = _file(tmp_path, bad)
    result = import_file(user=users["national"], path=path, history_year=2019, mode="valid")
    assert result.created == 0 and len(result.failed_groups) == 4
    messages = " ".join(e for g in result.failed_groups for e in g.errors)
    for expected in (
        "请填写脱贫年度",
        "只有已脱贫或返贫的户有脱贫年度",
        "脱贫年度不能早于识别年度",
        "不能晚于数据年度 2019 年",
    ):
        assert expected in messages
    assert not StatusChange.objects.exists()


def test_the_upload_page_offers_the_historical_load_to_administrators_only(client, users):
    client.force_login(users["county"])
    assert "历史数据载入" not in client.get("/imports/").content.decode()
    client.force_login(users["national"])
    assert "历史数据载入" in client.get("/imports/").content.decode()


def test_a_load_continues_a_history_only_by_a_procedures_moves_and_never_back_in_time(tmp_path, users):
    """Probe H1: a household 返贫 in 2020 reloaded as 已脱贫 with data year 2018 would leave its status and its
    history disagreeing; an exited household reloaded as 在册 is no procedure's move."""
    import csv

    path, _items = _file(tmp_path, [(S.RETURNED, 2015, 2020), (S.EXITED, 2015, 2016)], name="first.csv")
    assert import_file(user=users["national"], path=path, history_year=2020).created == 2
    numbers = dict(Household.objects.values_list("status", "number"))
    again, _items = _file(tmp_path, [(S.EXITED, 2015, 2017), (S.REGISTERED, 2015, None)], name="again.csv")
    rows = list(csv.reader(again.open(encoding="utf-8")))
    header = rows[0]
    for row in rows[1:]:  # the same households, named by their 户编号
        was = S.RETURNED if row[header.index("状态")] == "已脱贫" else S.EXITED
        row[header.index("户编号")], row[header.index("户主公民身份号码")] = numbers[was], ""
    _write(again, rows[1:])
    result = import_file(user=users["national"], path=again, history_year=2018, columns=False, mode="valid")
    messages = " ".join(e for g in result.failed_groups for e in g.errors)
    assert result.updated == 0 and len(result.failed_groups) == 2, messages
    assert "不能载入更早年度（2018 年）" in messages
    assert "只有已脱贫或返贫的户有脱贫年度" in messages  # back to 在册 would keep its 脱贫年度
    exited = Household.objects.get(status=S.EXITED)
    with (
        loading_history(users["national"], as_of=2021, reference="测试"),
        pytest.raises(ValidationError) as refused,
    ):
        registry.household_update(user=users["national"], household=exited,
                                  data={"status": S.REGISTERED, "exit_year": None})  # fmt: skip
    assert "不能由「已脱贫」载入为「在册」：没有这样的程序" in refused.value.messages[0]
    assert sorted(Household.objects.values_list("status", flat=True)) == [S.EXITED, S.RETURNED]
