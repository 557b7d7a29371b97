"""``jingzhun quality-check``: the counts per rule printed, the workbook written (masked unless --full)."""

import io

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from jingzhun.quality.models import QualityRun
from jingzhun.registry.models import Member
from tests.conftest import COUNTY

from .conftest import YEAR, head_of

pytestmark = pytest.mark.django_db


def test_the_command_prints_each_rule_and_writes_the_workbook(family, line_2026, tmp_path):
    h = family()
    head = head_of(h)
    Member.objects.filter(pk=head.pk).update(relationship="other")
    out = io.StringIO()
    target = tmp_path / "核查.xlsx"
    call_command(
        "quality-check", "--region", COUNTY[:6], "--year", str(YEAR), "--xlsx", str(target), stdout=out
    )
    text = out.getvalue()
    assert "核查 1 户，疑点 1 条" in text and "Q07 [错误] 户内无户主：1" in text
    assert "Q12 [错误] 必填是否项为空：不适用（本系统的是/否项不允许为空）" in text
    assert QualityRun.objects.get().user is None
    book = CalamineWorkbook.from_path(str(target))
    assert len(book.sheet_names) == 20
    q07 = book.get_sheet_by_index(6).to_python()
    assert q07[1][0] == h.number


def test_an_unknown_region_is_refused_in_words(db):
    with pytest.raises(CommandError, match="区划 999999 不存在"):
        call_command("quality-check", "--region", "999999")


def test_a_township_is_refused(regions):
    with pytest.raises(CommandError, match="请按县、市或省运行核查"):
        call_command("quality-check", "--region", "522634100000")
