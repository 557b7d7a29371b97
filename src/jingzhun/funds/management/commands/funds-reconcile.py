"""Nightly: reconcile every fund and allocation (amount = passed down + paid + balance); print any difference
and exit 1 when there is one."""

from django.core.management.base import BaseCommand, CommandError

from jingzhun.funds.reconcile import differences


class Command(BaseCommand):
    help = "扶贫资金对账：每笔资金和下达，金额 = 向下下达 + 已支出 + 余额；报告所有差异。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year=None, **options):
        found = differences(year=year)
        for d in found:
            self.stdout.write(
                f"{d.what}\t{d.label}\t金额 {d.amount}\t下达 {d.passed_down}\t支出 {d.paid}\t余额 {d.balance}\t差额 {d.gap}"
            )
        if found:
            raise CommandError(f"对账不平：{len(found)} 处差异。")
        self.stdout.write(self.style.SUCCESS("对账平衡：资金 = 下达 + 支出 + 余额。"))
