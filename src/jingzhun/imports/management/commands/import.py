"""``jingzhun import FILE``: import registration data (.xlsx or .csv) in the official layout."""

import time
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from jingzhun.accounts.models import User
from jingzhun.core.context import acting_as
from jingzhun.imports.reader import FileRejected
from jingzhun.imports.services import attach_error_report, import_file


class Command(BaseCommand):
    help = "Import households and members from a spreadsheet; all-or-nothing unless --mode valid."
    # The system checks (URLs, templates…) take ~1 s and concern the site, not this command.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--members", type=Path,
                            help="the national layout: FILE is the household file (户年度基础信息), this the member "
                                 "file (人员信息)")  # fmt: skip
        parser.add_argument("--mode", choices=["all", "valid"], default="all",
                            help="all: save only if every row is valid (default); valid: save the valid households")  # fmt: skip
        parser.add_argument("--user", help="import as this user (their region and role apply)")
        parser.add_argument("--report", type=Path, help="where to write the error report (.xlsx)")
        parser.add_argument(
            "--batch", type=int, default=5000, help="households per transaction (default 5000)"
        )
        parser.add_argument("--history-year", type=int,
                            help="a historical load (national/provincial administrators): statuses and exit years "
                                 "as they stood at the end of this year, written as status history")  # fmt: skip

    def handle(self, *args, file, mode, user=None, report=None, batch=5000, history_year=None, members=None,
               **opts):  # fmt: skip
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
        for path in (file, members) if members else (file,):
            if not path.exists():
                raise CommandError(f"文件不存在：{path}")
        bar = tqdm(desc="导入", unit=" 户", disable=opts["verbosity"] < 1, mininterval=1)

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        started = time.perf_counter()
        try:
            with acting_as(actor, source="command:import"):
                result = import_file(user=actor, path=file, mode=mode, batch=batch, progress=progress,
                                     history_year=history_year, member_path=members)  # fmt: skip
        except FileRejected as exc:
            raise CommandError(f"未导入任何数据：{exc}") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        finally:
            bar.close()
        summary = (
            f"共 {result.households:,} 户 {result.persons:,} 人：新增 {result.created:,} 户，更新 {result.updated:,} 户，"
            f"无变化 {result.unchanged:,} 户，有错误 {result.failed:,} 户（用时 {time.perf_counter() - started:.1f} 秒）"
        )
        for notice in result.notices:
            self.stdout.write(self.style.WARNING(_(notice)))
        if result.ok:
            self.stdout.write(self.style.SUCCESS(summary))
            return
        report = report or file.with_name(f"{file.stem}-错误报告.xlsx")
        rows = attach_error_report(result, report)  # also kept on the job, as for an upload
        lines = [e for g in result.failed_groups for e in g.errors][:20]
        lines += [e for r in result.parsed.loose_rows for e in r.errors][: max(0, 20 - len(lines))]
        detail = "\n  ".join(lines)
        saved = "已保存有效的户。" if mode == "valid" else "未保存任何数据（全部成功才保存）。"
        raise CommandError(f"{summary}。{saved}\n错误报告（{rows} 行）：{report}\n  {detail}")
