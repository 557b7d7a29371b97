"""Background work of the analytics app, run by the task worker (``jingzhun db_worker``): the rollups, after
an import and nightly (``jingzhun rollup --all-years`` from cron, see docs/operations.md)."""

from django.tasks import task

from jingzhun.monitoring.warning.scoring import warning_after_rollup

from .selectors import years_with_data
from .services import rollup_refresh


@task()
def refresh_rollups(years: list[int] | None = None) -> dict:
    """Recompute the stored figures for ``years`` (default: every year the registry holds)."""
    done = {}
    for year in years or years_with_data():
        result = rollup_refresh(year=year)
        done[str(year)] = result.regions
    if done:  # the early-warning scores follow the newest snapshot (where a model is installed)
        warning_after_rollup(max(int(y) for y in done))
    return done
