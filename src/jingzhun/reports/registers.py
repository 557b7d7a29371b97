"""The registers' contents and files: 户有卡 (household card), 村有册 (village register), 乡有簿 (township book,
village summaries and registers) and 县有档 (county archive: township books, statistics, the household list).

Reads go village by village (one query for the households with their year's record and cadre, one for their
members), so memory and time grow with a village, not with the county; ``progress(done, total)`` is called
after each village. ID numbers are masked unless ``full`` (the requesting role sees personal data).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from jingzhun.assistance.models import HouseholdPairing
from jingzhun.core import masking
from jingzhun.core.masking import Shown
from jingzhun.core.pdf import render_pdf
from jingzhun.core.xlsxexport import xlsx_bytes
from jingzhun.identification.choices import VillageStatus
from jingzhun.identification.village_selectors import status_in
from jingzhun.imports.export import write_xlsx
from jingzhun.regions.models import Region
from jingzhun.registry.choices import COUNTED_STATUSES, POOR_STATUSES, HouseholdStatus
from jingzhun.registry.models import Household, HouseholdYear, Member

Progress = Callable[[int, int], None]


@dataclass
class VillageRegister:
    """A village's counted households (建档立卡: 在册、返贫、已脱贫 — a monitored household counts by its status) with members, and its totals."""

    village: Region
    year: int
    households: list[Household]
    totals: dict = field(default_factory=dict)


def household_rows(households, year: int, *, full: bool) -> list[Household]:
    """``households`` (a queryset) in number order, each with ``members_list`` (active, masked as needed),
    ``record`` (the year's record or None), ``cadre_name`` and ``shown_phone``."""
    shown = Shown(full=full)
    cadre = HouseholdPairing.objects.filter(household=OuterRef("pk"), ended_on__isnull=True).values(
        "cadre__name"
    )
    households = list(
        households.annotate(cadre_name=Subquery(cadre[:1]))
        .prefetch_related(
            Prefetch("members", Member.objects.filter(is_active=True).order_by("id"), to_attr="members_list"),
            Prefetch("years", HouseholdYear.objects.filter(year=year), to_attr="records"),
        )
        .order_by("number")
    )
    for h in households:
        h.record = h.records[0] if h.records else None
        h.shown_phone = shown.value(masking.PHONE, h.phone)
        for m in h.members_list:
            shown.member(m)
    return households


def village_register(village: Region, year: int, *, full: bool) -> VillageRegister:
    households = household_rows(
        Household.objects.filter(region=village, status__in=COUNTED_STATUSES), year, full=full
    )
    by_status = Counter(h.status for h in households)
    persons = Counter()
    for h in households:
        persons[h.status] += len(h.members_list)
    totals = {
        "households": len(households),
        "persons": sum(persons.values()),
        "poor_households": sum(by_status[s] for s in POOR_STATUSES),
        "poor_persons": sum(persons[s] for s in POOR_STATUSES),
        "statuses": [(HouseholdStatus(s).label, by_status[s], persons[s]) for s in COUNTED_STATUSES],
        # the village's own standing in the year the register describes (贫困村 / 已退出 / 非贫困村)
        "village_status": str(VillageStatus(status_in(village.code, year)).label),
    }
    return VillageRegister(village, year, households, totals)


HOUSEHOLD_HEADER = [
    "户编号",
    "户主",
    "家庭人口数",
    "贫困户属性",
    "主要致贫原因",
    "状态",
    "人均纯收入（元）",
    "帮扶责任人",
    "联系电话",
]
MEMBER_HEADER = ["户编号", "姓名", "与户主关系", "公民身份号码", "性别", "出生日期", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况"]  # fmt: skip


def _household_cells(h: Household) -> list:
    income = float(h.record.per_capita_net) if h.record and h.record.per_capita_net is not None else ""
    return [
        h.number, h.head_name, len(h.members_list), h.get_attribute_display(), h.get_main_cause_display(),
        h.get_status_display(), income, h.cadre_name or "", h.shown_phone,
    ]  # fmt: skip


def _member_cells(h: Household, m: Member) -> list:
    return [
        h.number, m.name, m.get_relationship_display(), m.shown_id, m.get_sex_display(), m.shown_birth_date,
        m.get_education_display(), m.get_schooling_display(), m.shown_health, m.get_labour_display(),
        m.get_work_status_display(),
    ]  # fmt: skip


def village_register_sheets(register: VillageRegister) -> list[tuple[str, list[str], list[list]]]:
    """村有册 as Excel sheets: households, members, totals (ID and code columns stay text)."""
    totals = register.totals
    return [
        ("贫困户", HOUSEHOLD_HEADER, [_household_cells(h) for h in register.households]),
        (
            "家庭成员",
            MEMBER_HEADER,
            [_member_cells(h, m) for h in register.households for m in h.members_list],
        ),
        (
            "合计",
            ["项目", "户数", "人数"],
            [
                ["建档立卡（在册、返贫、已脱贫）", totals["households"], totals["persons"]],
                ["现有贫困（在册、返贫）", totals["poor_households"], totals["poor_persons"]],
                *([str(label), h, p] for label, h, p in totals["statuses"]),
                [f"{register.year} 年度贫困村状态：{totals['village_status']}", "", ""],
            ],
        ),
    ]


def _context(**extra) -> dict:
    return {"printed": timezone.localdate(), **extra}


def village_register_pdf(register: VillageRegister) -> bytes:
    return render_pdf(
        "reports/village_register.html", _context(registers=[register], title_region=register.village)
    )


def household_card_pdf(household: Household, year: int, *, full: bool) -> bytes:
    """户有卡: one household's card for ``year`` (its members, the year's record, its cadre), whatever its
    status (an applicant not yet identified, or a cancelled record, still has its card)."""
    (row,) = household_rows(
        Household.objects.filter(pk=household.pk).select_related("region"), year, full=full
    )
    return render_pdf("reports/household_card.html", _context(h=row, year=year))


def household_cards_pdf(households, year: int, *, full: bool) -> bytes:
    """户有卡 of several households in one PDF, one card per page (a batch printed for the village)."""
    rows = household_rows(
        households.select_related("region").order_by("region_id", "number"), year, full=full
    )
    return render_pdf("reports/household_cards.html", _context(rows=rows, year=year))


def villages_of(region: Region) -> list[Region]:
    return list(Region.objects.in_region(region).filter(level=5).order_by("code"))


def registers_of(villages: list[Region], year: int, *, full: bool, step: Callable[[], None] | None = None):
    """The registers of ``villages`` in order, read one village at a time; ``step()`` after each."""
    registers = []
    for village in villages:
        registers.append(village_register(village, year, full=full))
        if step:
            step()
    return registers


def counter(total: int, progress: Progress | None) -> Callable[[], None]:
    """A step function reporting (done, total) to ``progress`` after each village."""
    done = 0

    def step():
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    return step


def township_book_pdf(township: Region, registers: list[VillageRegister], year: int) -> bytes:
    """乡有簿: a summary of every village, then the register of each village with households."""
    return render_pdf(
        "reports/township_book.html", _context(township=township, registers=registers, year=year)
    )


def county_archive_zip(county: Region, year: int, *, full: bool, progress: Progress | None = None) -> bytes:
    """县有档: one township book per township, a statistics workbook (per village, from the same registers)
    and the county's household list, in one zip. Each village is read once."""
    plan = [(t, villages_of(t)) for t in Region.objects.filter(parent=county).order_by("code")]
    step = counter(sum(len(villages) for _t, villages in plan), progress)
    buffer = io.BytesIO()
    stats = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for township, villages in plan:
            registers = registers_of(villages, year, full=full, step=step)
            book = township_book_pdf(township, registers, year)
            archive.writestr(f"乡有簿/{township.code[:9]}-{township.name}.pdf", book)
            for r in registers:
                t = r.totals
                stats.append([township.name, r.village.code, r.village.name, t["households"], t["persons"],
                              t["poor_households"], t["poor_persons"]])  # fmt: skip
        header = ["乡镇", "村代码", "村", "建档立卡户数", "建档立卡人数", "现有贫困户数", "现有贫困人数"]
        archive.writestr(f"统计表-{county.name}-{year}.xlsx", xlsx_bytes([("各村统计", header, stats)]))
        archive.writestr(f"贫困户名单-{county.name}-{year}.xlsx", _household_list(county, year, full=full))
    return buffer.getvalue()


def _household_list(county: Region, year: int, *, full: bool) -> bytes:
    """The county's households in the official import/export layout (the same file counties load); the
    constant-memory writer needs a file, so it goes through a temporary one."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.xlsx"
        write_xlsx(
            path,
            Household.objects.in_region(county).filter(status__in=COUNTED_STATUSES),
            mask=not full,
            year=year,
        )
        return path.read_bytes()
