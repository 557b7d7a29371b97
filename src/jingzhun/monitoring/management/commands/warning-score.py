"""Score a year's snapshot with the early-warning model (``monitoring.warning``): what the task worker does after
each rollup, by hand. ``--install-synthetic`` first writes the demo's model, trained on generated histories
(its summary says so), where no model is installed."""

from django.core.management.base import BaseCommand, CommandError

from jingzhun.monitoring.warning.evaluation import synthetic_model
from jingzhun.monitoring.warning.scoring import ENGINES, default_paths, score_year


class Command(BaseCommand):
    help = "为某年度快照中的每户计算返贫风险评分（预警模型）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="默认：最近一个有统计快照的年度")
        parser.add_argument(
            "--install-synthetic", action="store_true", help="没有模型时先安装演示用的合成模型"
        )
        parser.add_argument(
            "--engine",
            choices=ENGINES,
            default="duckdb",
            help="计算引擎：duckdb（默认，单机）或 pyspark（JINGZHUN_SPARK_MASTER 指定的集群，默认 local[2]）",
        )

        parser.add_argument(
            "--reason-share",
            type=float,
            help="只为每村风险最高的这一比例（0–1，至少 3 户）计算风险原因；不填则为评分不低于 0.05 的农户计算。"
            "全国规模时用它控制耗时（仅 duckdb）",
        )

    def handle(
        self,
        *args,
        year: int | None,
        install_synthetic: bool,
        engine: str = "duckdb",
        reason_share: float | None = None,
        **options,
    ):
        if reason_share is not None and not 0 < reason_share <= 1:
            raise CommandError(f"--reason-share 应在 0 与 1 之间（不含 0），不能是 {reason_share:g}。")
        if reason_share is not None and engine != "duckdb":
            raise CommandError("--reason-share 只用于 duckdb 引擎；pyspark 按评分下限计算风险原因。")
        snapshots, model, _scores = default_paths(year or 0)
        if year is None:
            years = (
                sorted(int(p.name) for p in snapshots.glob("[0-9][0-9][0-9][0-9]"))
                if snapshots.exists()
                else []
            )
            if not years:
                raise CommandError("还没有任何统计快照：请先运行 jingzhun rollup --all-years。")
            year = years[-1]
        if install_synthetic and not model.exists():
            model.parent.mkdir(parents=True, exist_ok=True)
            synthetic_model(model, households=10_000)
            self.stdout.write(f"已安装演示用预警模型（合成数据训练）：{model}")
        if not model.exists():
            raise CommandError(f"没有预警模型：{model}。可加 --install-synthetic 安装演示模型。")
        if not (snapshots / str(year)).exists():
            raise CommandError(f"没有 {year} 年度的统计快照：请先运行 jingzhun rollup --year {year}。")
        try:
            result = score_year(year, engine=engine, share=reason_share)
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{year} 年度已评分 {result.rows:,} 户（{engine}），用时 {result.seconds:.1f} 秒：{result.path}"
            )
        )
