"""Checks on a spreadsheet package before any parser sees it: what it says it holds, not what it weighs.

An .xlsx/.ods is a zip. A 1.6 KB file can declare a sheet reaching cell XFD1048576 (the reader would size its
grid for 17 billion cells), and a 4 MB file can unpack to 1.6 GB. So, reading only the zip's directory and
the first bytes of each sheet:
- the unpacked total and each member's compression ratio stay under limits (``IMPORT_MAX_UNPACKED_MB``);
- each sheet's declared range (``<dimension ref>``) and every cell reference it uses stay within the columns
  our layouts have and ``IMPORT_MAX_CELLS``.
Anything beyond is refused with a message, before a byte is parsed. The parse itself then runs in a child
process with a memory limit (``core.isolation``), for whatever this does not foresee.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from django.conf import settings

from .errors import FileRejected

MAX_MEMBERS = 2000  # parts of the package: a workbook of ours has a dozen
MAX_RATIO = 200  # unpacked ÷ packed of one part; spreadsheet XML packs 10–30×, a bomb 1000×
RATIO_FLOOR = 8 * 2**20  # small parts may pack better than that: only parts above 8 MiB are judged
MAX_COLUMNS = 256  # our layouts have about 60 columns
SCAN_CHUNK = 4 * 2**20
CELL_REF = re.compile(rb'<(?:\w+:)?(?:c|row)\b[^>]*?\br="\$?([A-Z]{0,3})\$?([0-9]+)"')
DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*?\bref="\$?([A-Z]+)\$?([0-9]+)(?::\$?([A-Z]+)\$?([0-9]+))?"'
)


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def check_package(path: Path) -> None:
    """Refuse (FileRejected) a zip-based spreadsheet whose declared size or content would overwhelm a reader."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRejected(
            "无法读取该文件，它不是有效的电子表格（.xlsx 文件已损坏，或只是改了扩展名）。"
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise FileRejected(f"文件内含 {len(members):,} 个部件，远超正常电子表格，拒绝导入。")
        limit = settings.IMPORT_MAX_UNPACKED_BYTES
        unpacked = sum(m.file_size for m in members)
        if unpacked > limit:
            raise FileRejected(
                f"文件解压后有 {_mb(unpacked)}，超过上限 {_mb(limit)}（可能是“压缩炸弹”，或数据太多：请拆分，"
                "或另存为 CSV 后导入）。"
            )
        for m in members:
            if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise FileRejected(
                    f"文件中的 {m.filename} 压缩比异常（{_mb(m.compress_size)} 解压为 {_mb(m.file_size)}），拒绝导入。"
                )
        for m in members:  # every XML part: a sheet need not live where the convention puts it
            if m.filename.endswith(".xml") and m.file_size:
                _check_sheet(archive, m)


def _check_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """The declared range and the cell references of one sheet, read in chunks (never whole)."""
    name = member.filename.rsplit("/", 1)[-1]
    max_col = max_row = 0
    tail = b""
    with archive.open(member) as fh:
        first = True
        while chunk := fh.read(SCAN_CHUNK):
            text = tail + chunk
            if first and (dim := DIMENSION.search(text)):
                col, row = (dim.group(3), dim.group(4)) if dim.group(3) else (dim.group(1), dim.group(2))
                max_col, max_row = column_number(col.decode()), int(row)
                _judge(name, max_col, max_row, declared=True)
            first = False
            for col, row in CELL_REF.findall(text):
                if col:
                    max_col = max(max_col, column_number(col.decode()))
                max_row = max(max_row, int(row))
            _judge(name, max_col, max_row, declared=False)
            tail = text[-256:]  # a reference cut by the chunk boundary is read again with the next chunk


def _judge(name: str, columns: int, rows: int, *, declared: bool) -> None:
    how = "声明的范围" if declared else "使用的单元格"
    name = f"（文件内部的 {name}）"
    if columns > MAX_COLUMNS:
        raise FileRejected(
            f"工作表{name}{how}达到第 {columns:,} 列（导入模板只有几十列），"
            "请删除模板以外的列或新建文件后粘贴数据再导入。"
        )
    if rows * max(columns, 1) > settings.IMPORT_MAX_CELLS:
        raise FileRejected(
            f"工作表{name}{how}为 {rows:,} 行 × {columns:,} 列，超过上限 {settings.IMPORT_MAX_CELLS:,} 个单元格，"
            "请拆分后分批导入，或另存为 CSV。"
        )
