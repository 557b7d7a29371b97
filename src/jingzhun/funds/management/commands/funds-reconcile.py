"""Nightly: reconcile every fund and allocation (amount = passed down + paid + balance) and every project's
已报账 against its payments; print any difference and exit 1 when there is one."""

from django.core.management.base import BaseCommand, CommandError

from jingzhun.funds.reconcile import differences, project_differences


class Command(BaseCommand):
    help = "扶贫资金对账：每笔资金和下达，金额 = 向下下达 + 已支出 + 余额；每个项目已报账金额 = 其支出合计；报告所有差异。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year=None, **options):
        found = differences(year=year)
        for d in found:
            self.stdout.write(
                f"{d.what}\t{d.label}\t金额 {d.amount}\t下达 {d.passed_down}\t支出 {d.paid}\t余额 {d.balance}\t差额 {d.gap}"
            )
        projects = project_differences(year=year)
        for p in projects:
            self.stdout.write(f"{p.what}\t{p.label}\t已报账 {p.settled}\t支出 {p.paid}\t差额 {p.gap}")
        if found or projects:
            raise CommandError(f"对账不平：{len(found) + len(projects)} 处差异。")
        self.stdout.write(self.style.SUCCESS("对账平衡：资金 = 下达 + 支出 + 余额；项目已报账 = 项目支出。"))
