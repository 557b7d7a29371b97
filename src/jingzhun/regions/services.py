"""Loading the official region codes: fetch the npm package, verify it, upsert the tree in bulk."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.core.audit import build_entry

from . import rules
from .choices import RegionLevel
from .models import FormerName, Region

# The package's CSV files, from the top of the tree down: (file, column holding the code).
PACKAGE_FILES = ("provinces", "cities", "areas", "streets", "villages")
EXTRACT_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LoadResult:
    total: int
    by_level: dict[int, int]
    seconds: float = 0.0


def verify_integrity(path: Path, integrity: str) -> None:
    """Check an npm ``sha512-<base64>`` integrity string against the file."""
    algorithm, _sep, expected = integrity.partition("-")
    digest = hashlib.new(algorithm)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    if base64.b64encode(digest.digest()).decode() != expected:
        raise ValidationError(
            _("区划数据包 %(p)s 校验失败（完整性哈希不符），已拒绝加载。请删除后重新下载。") % {"p": path}
        )


def fetch_package(cache_dir: Path | None = None) -> Path:
    """The verified package tarball, fetched with ``npm pack`` into the cache when not already there."""
    cache_dir = cache_dir or settings.REGION_CACHE_DIR
    spec = settings.REGION_PACKAGE
    name, _sep, version = spec.rpartition("@")
    path = cache_dir / f"{name}-{version}.tgz"
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise ValidationError(
                _("未找到 npm，无法下载区划数据包 %(s)s。请安装 Node.js 与 npm。") % {"s": spec}
            )
        cache_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(cache_dir), "--silent"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not path.exists():
            raise ValidationError(
                _("下载区划数据包 %(s)s 失败：%(e)s") % {"s": spec, "e": done.stderr.strip()[-500:]}
            )
    verify_integrity(path, settings.REGION_PACKAGE_INTEGRITY)
    return path


def rows_from_package(path: Path, province: str | None = None) -> Iterator[tuple[str, str]]:
    """(12-digit code, name) rows from the package's CSV files, optionally one province only."""
    with tarfile.open(path, "r:gz") as tar:
        for stem in PACKAGE_FILES:
            member = tar.extractfile(f"package/dist/{stem}.csv")
            if member is None:
                raise ValidationError(_("区划数据包缺少文件 %(f)s。") % {"f": f"{stem}.csv"})
            reader = csv.reader(io.TextIOWrapper(member, encoding="utf-8"))
            next(reader, None)
            for row in reader:
                if province and not row[0].startswith(province):
                    continue
                yield rules.pad(row[0]), row[1]


def rows_from_csv(path: Path) -> Iterator[tuple[str, str]]:
    """(code, name) rows from a two-column CSV with a header (the committed extract's format)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if row:
                yield rules.pad(row[0]), row[1]


def _region_from_row(code: str, name: str) -> Region:
    level = rules.level_of(code)
    return Region(
        code=code,
        name=name,
        level=level,
        parent_id=rules.parent_of(code),
        kind=rules.kind_of(code),
        zone=rules.zone_of(code) if level == RegionLevel.PROVINCE else "",
    )


def _check_rows(rows: Iterable[tuple[str, str]]) -> list[Region]:
    regions: list[Region] = []
    seen: set[str] = set()
    bad: list[str] = []
    for code, name in rows:
        if not rules.is_valid_code(code) or not name.strip():
            bad.append(code)
            continue
        if code not in seen:
            seen.add(code)
            regions.append(_region_from_row(code, name.strip()))
    if bad:
        raise ValidationError(
            _("区划代码无效（应为 12 位数字且名称不为空）：%(c)s") % {"c": "、".join(bad[:10])},
            code="bad_code",
        )
    parents = {r.parent_id for r in regions if r.parent_id and r.parent_id not in seen}
    if parents:
        existing = set(Region.objects.filter(code__in=parents).values_list("code", flat=True))
        missing = sorted(parents - existing)
        if missing:
            raise ValidationError(
                _("以下上级区划不存在，请先加载上级：%(c)s") % {"c": "、".join(missing[:10])},
                code="no_parent",
            )
    return regions


def regions_load(
    *,
    rows: Iterable[tuple[str, str]],
    source: str,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Insert or update regions from (code, name) rows in one transaction; re-running changes nothing.

    Parents come before children in the rows (provinces first), so the tree is whole at every commit.
    """
    regions = sorted(_check_rows(rows), key=lambda r: r.level)
    by_level: dict[int, int] = {}
    with transaction.atomic():
        for start in range(0, len(regions), batch_size):
            batch = regions[start : start + batch_size]
            Region.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "level", "parent", "kind", "zone"],
            )
            if progress:
                progress(len(batch))
        for r in regions:
            by_level[r.level] = by_level.get(r.level, 0) + 1
        if regions:
            top = regions[0]
            build_entry(
                "create",
                top,
                changes={"source": source, "count": len(regions), "by_level": by_level},
                root="regions.load",
                region_code=top.code if len({r.code[:2] for r in regions}) == 1 else "",
            ).save()
    return LoadResult(total=len(regions), by_level=by_level)


FORMER_NAME_HEADER = ["现区划代码", "原名称", "原所属乡镇", "使用至年度", "说明"]


def former_names_rows(path: Path) -> list[dict]:
    """The rows of a former-names CSV (UTF-8 or GB18030) with the header ``FORMER_NAME_HEADER``."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if header[:4] != FORMER_NAME_HEADER[:4]:
        raise ValidationError(_("表头应为：%(header)s") % {"header": ",".join(FORMER_NAME_HEADER)})
    return [
        dict(
            zip(
                ["code", "name", "township_name", "until_year", "note"],
                [c.strip() for c in row],
                strict=False,
            )
        )
        for row in reader
        if any(c.strip() for c in row)
    ]


@transaction.atomic
def former_names_load(*, rows: Iterable[dict], source: str) -> int:
    """Record villages' and townships' former names (merged or renamed) so that old files' names resolve
    (``regions.names``); re-loading the same rows changes nothing. Each row names today's village or township
    by code.
    All rows are checked before any is written; returns the number of new rows. Like ``regions_load``, a
    system task (the ``regions former-names`` command): the code tables are the country's, not a region's."""

    rows = list(rows)
    villages = Region.objects.in_bulk([r.get("code", "") for r in rows])
    errors, records = [], []
    for n, row in enumerate(rows, start=2):
        region = villages.get(row.get("code", ""))
        if region is None or region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            errors.append(
                _("第 %(n)d 行：“%(code)s”不是已加载的乡级或村级区划代码") % {"n": n, "code": row.get("code")}
            )
            continue
        if region.level == RegionLevel.TOWNSHIP and row.get("township_name", "").strip():
            errors.append(_("第 %(n)d 行：乡镇的曾用名不填“原所属乡镇”") % {"n": n})
            continue
        year = row.get("until_year", "")
        if not year.isdigit() or not 1990 <= int(year) <= 2100:
            errors.append(_("第 %(n)d 行：“使用至年度”应为四位年份") % {"n": n})
            continue
        record = FormerName(region=region, name=row.get("name", ""), township_name=row.get("township_name", ""),
                            until_year=int(year), note=row.get("note", ""))  # fmt: skip
        try:
            record.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.append(_("第 %(n)d 行：%(error)s") % {"n": n, "error": "；".join(exc.messages)})
            continue
        records.append(record)
    if errors:
        raise ValidationError(errors)
    before = FormerName.objects.count()
    FormerName.objects.bulk_create(records, ignore_conflicts=True)
    added = FormerName.objects.count() - before
    if records:
        build_entry(
            "create", records[0].region, changes={"former_names": [None, {"source": source, "rows": len(records)}]},
            root="regions.former_names", region_code=records[0].region.code[:6],
        ).save()  # fmt: skip
    return added
