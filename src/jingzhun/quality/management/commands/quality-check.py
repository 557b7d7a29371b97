"""``jingzhun quality-check --region CODE [--year Y] [--xlsx out.xlsx] [--full]``, or over a national file pair
before import: ``--national-households F --national-members F [--out X.xlsx]``. Run the data-quality rules
over a county, prefecture or province now (as the system, recorded in the audit trail), print the count of each
rule, and write the workbook (one sheet per rule; ID numbers masked unless ``--full``)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from jingzhun.core.context import acting_as
from jingzhun.core.masking import Shown
from jingzhun.core.xlsxexport import xlsx_bytes
from jingzhun.quality import selectors, services
from jingzhun.quality.models import CHECKED
from jingzhun.quality.rules import RULES
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region


class SystemReader:
    """The command's reader of the workbook: every region, personal data as ``--full`` says."""

    is_authenticated = True
    region_id = None

    def __init__(self, full: bool):
        self.sees_personal_data = full

    def can(self, action: str) -> bool:
        return True

    def scope_range(self):
        return None


def _opened(path: str | None) -> File | None:
    if not path:
        return None
    source = Path(path)
    if not source.is_file():
        raise CommandError(f"文件 {path} 不存在。")
    return File(source.open("rb"), name=source.name)


class Command(BaseCommand):
    help = "按规则核查一个县（市、省）的建档立卡数据，输出各规则疑点条数，可另存 Excel（每条规则一个工作表）"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="县、市或省的区划代码（6 位或 12 位）；核查文件时可不填")
        parser.add_argument(
            "--national-households", help="导入前核查：国家系统导出的户信息文件（不写入建档立卡数据）"
        )
        parser.add_argument("--national-members", help="导入前核查：国家系统导出的人员信息文件")
        parser.add_argument("--year", type=int, help="默认：该区划有年度信息的最近年度")
        parser.add_argument("--xlsx", "--out", dest="xlsx", help="另存核查结果的 Excel 文件路径")
        parser.add_argument("--full", action="store_true", help="Excel 中显示完整身份证号（默认脱敏）")

    def handle(self, *args, region: str | None, year: int | None, xlsx: str | None, full: bool, **options):
        households, members = options.get("national_households"), options.get("national_members")
        if region:
            code = region.strip().ljust(12, "0")
            found = Region.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"区划 {region} 不存在。请先运行 jingzhun regions load，或核对代码。")
        elif households:
            found = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
        else:
            raise CommandError(
                "请用 --region 指定区划，或用 --national-households/--national-members 指定要核查的文件。"
            )
        with acting_as(source="command:quality-check"):
            try:
                if households:
                    run = self._file_run(found, households, members, year, whole=not region)
                else:
                    run = services.quality_check(user=None, region=found, year=year, now=True)
            except ValidationError as exc:
                raise CommandError(exc.messages[0]) from exc
        if run.status != "done":
            raise CommandError(f"核查未完成：{run.message}")
        found = run.region
        for sheet, row, number, reason in run.refused:
            self.stdout.write(f"  无法核查：{sheet} 第 {row} 行（{number}）：{reason}")
        totals = dict(run.counts.values_list("rule").annotate(n=Sum("count")).order_by())
        self.stdout.write(
            f"{found.name} {run.year} 年度：核查 {totals.get(CHECKED, 0):,} 户，疑点 {run.findings:,} 条"
        )
        for rule in RULES:
            n = run.skipped.get(rule.code) or f"{totals.get(rule.code, 0):,}"
            self.stdout.write(f"  {rule.code} [{rule.severity.label}] {rule.name}：{n}")
        if xlsx:
            reader = SystemReader(full)
            data = xlsx_bytes(selectors.sheets(user=reader, run=run, region=found))
            selectors.done_with(run)
            Path(xlsx).write_bytes(data)
            masked = "完整身份证号" if Shown.for_reader(reader).full else "身份证号已脱敏"
            self.stdout.write(self.style.SUCCESS(f"已写入 {xlsx}（{masked}）"))

    def _file_run(self, region, households: str, members: str | None, year: int | None, *, whole: bool):
        """A run over a national file pair (before import: nothing written to the registry)."""
        if region is None:
            raise CommandError("区划代码表为空。请先运行 jingzhun regions load。")
        h_file, m_file = _opened(households), _opened(members)
        try:
            return services.file_check(user=None, region=region, household_file=h_file, member_file=m_file,
                                       year=year, now=True)  # fmt: skip
        finally:
            for f in (h_file, m_file):
                if f is not None:
                    f.close()
