"""What an import did: its counts, the failing households kept for the report (``services`` records it)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from .models import ImportJob
from .reader import HouseholdGroup, ParsedFile

if TYPE_CHECKING:
    from .national import NationalSource


@dataclasses.dataclass
class ImportResult:
    mode: str
    households: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    persons: int = 0
    parsed: ParsedFile | None = None
    source: Path | None = None
    failed_groups: list[HouseholdGroup] = dataclasses.field(default_factory=list)  # kept for the report
    job: ImportJob | None = None  # the record of this import, with its stored file
    national: NationalSource | None = None  # the national layout's two files, as read (for the report)
    notices: list[str] = dataclasses.field(default_factory=list)  # what was left out on purpose, and why

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not (self.parsed and self.parsed.loose_rows)


class ImportAborted(Exception):
    """All-or-nothing import with errors: raised inside the transaction so that it rolls back."""
