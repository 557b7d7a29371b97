"""The set-based write of the column path: checked households written by ``registry.bulk`` in batches.

Stages, one way: the reader's row batches (``reader.open_flat``) → households cut and checked column by
column (``columnar.ColumnChecker``) → the households that passed written set-based (``Writer``) → the rest
handed to the per-household path (``rows.import_chunk``), which imports them or says why not.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from django.db import IntegrityError, reset_queries, transaction

from jingzhun.core.readahead import read_ahead
from jingzhun.registry import bulk
from jingzhun.registry import services as registry
from jingzhun.registry import status as registry_status

from . import columnar, rows
from .models import ImportJob
from .reader import FlatSource
from .result import ImportResult


@dataclasses.dataclass
class Writer:
    """Writes checked households set-based for one import (``import_columns``).

    Optimistic: a household already registered (an update, or a person active elsewhere) breaks a unique
    index — ``member_one_active_household`` or the 户编号's — so a batch is first written without looking
    for them; only when the database refuses it are they looked up and left to the row path, and from then
    on every batch is looked up first (a file that holds updates likely holds more). A new file, the bulk
    of a year's load, is never looked up: the index probes the write makes anyway are the check.
    """

    user: object
    job: ImportJob
    look_first: bool = False
    villages: set[str] = dataclasses.field(default_factory=set)  # tallies to recount at the end
    tops: dict[str, int] = dataclasses.field(default_factory=dict)  # each village's highest 户编号 so far

    def insert(self, checked: columnar.Checked, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write the households of ``runs``; returns the runs written. The others are left to the row path:
        those already registered, or — when another import raced this one — all of them."""
        same = np.array([], dtype=np.int64)
        for attempt in range(2):
            if self.look_first or attempt:
                registered = columnar.registered_elsewhere(checked, runs)
                same = columnar.unchanged(checked, registered, self.user)
                runs = np.setdiff1d(runs, registered.runs)
            if not len(runs):
                return runs, same
            try:
                with transaction.atomic():
                    households, members, years = columnar.new_households(checked, runs)
                    bulk.households_insert(user=self.user, households=households, members=members, years=years,
                                           origin=columnar.origins(checked, runs, self.job), tallies=False,
                                           tops=self.tops)  # fmt: skip
                self.villages.update(households.column("region_id").to_pylist())
                return runs, same
            except IntegrityError:
                self.look_first = True
                self.tops.clear()  # the numbering may be what broke: read it again
        return np.array([], dtype=np.int64), same

    def numbered_elsewhere(self) -> None:
        """Households were numbered by another path (the row path): read the villages' numbers again."""
        self.tops.clear()

    def finish(self) -> None:
        """Recount the tallies of the villages written to (once, not per batch: a recount reads the village)."""
        registry.refresh_tallies(self.villages)
        self.villages = set()


def import_columns(
    user, opened: FlatSource, result: ImportResult, *, job, batch: int, keep_going: bool, progress
) -> None:
    """The fast path over a one-row-per-person file (see ``columnar``), ``batch`` households per transaction."""
    sheet, index, batches, total = opened.sheet, opened.index, opened.batches, opened.total
    checker = columnar.ColumnChecker(user, registry_status.history_load(), opened.columns)
    writer = Writer(user, job)
    done = 0
    # The next batch is read, cut and checked while this one is written (none of it touches the database).
    checked_batches = map(checker.check, columnar.household_batches(batches))
    for checked in read_ahead(checked_batches):
        checker.judge_regions(checked)
        sizes = np.diff(np.r_[checked.starts, len(checked.batch)])
        for lo in range(0, len(checked.starts), batch):
            runs = np.arange(lo, min(lo + batch, len(checked.starts)))
            good = runs[checked.ok[runs]]
            with transaction.atomic():
                written, same = writer.insert(checked, good) if len(good) else (good, good)
                groups = columnar.slow_groups(
                    checked, np.setdiff1d(runs, np.union1d(written, same)), index, sheet
                )
                created = result.created
                rows.import_chunk(user, groups, result, keep_going=keep_going)
                if result.created > created:
                    writer.numbered_elsewhere()
                if keep_going:  # each batch commits whole, tallies included
                    writer.finish()
            result.created += len(written)
            result.persons += int(sizes[written].sum()) + int(sizes[same].sum())
            result.unchanged += len(same)
            result.households += len(runs)
            result.failed_groups += [g for g in groups if g.errors]
            reset_queries()
            done += int(sizes[runs].sum())
            if progress:
                progress(min(done, total) if total else done, total or done)
    writer.finish()  # all-or-nothing: inside the file's transaction
