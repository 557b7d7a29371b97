"""Background work of the analytics app, run by the task worker (``jingzhun db_worker``): the rollups, after
an import and nightly (``jingzhun rollup --all-years`` from cron, see docs/operations.md)."""

from django.tasks import task

from jingzhun.monitoring.warning.scoring import warning_after_rollup

from .selectors import years_with_data
from .services import rollup_refresh


def rollups_and_scores(years, *, engine: str = "duckdb", progress=None) -> dict:
    """Recompute the stored figures of ``years``, then re-score the early warning on the newest snapshot (where
    a model is installed): what the task after an import and the nightly ``jingzhun rollup`` both run."""
    done = {int(year): rollup_refresh(year=int(year), engine=engine, progress=progress) for year in years}
    if done:
        warning_after_rollup(max(done))
    return done


@task()
def refresh_rollups(years: list[int] | None = None) -> dict:
    """Recompute the stored figures for ``years`` (default: every year the registry holds)."""
    return {str(y): r.regions for y, r in rollups_and_scores(years or years_with_data()).items()}
