"""The import template (.xlsx): the official layout with drop-downs for every code list, ID and code columns
formatted as text, computed columns greyed out, and a sheet of instructions."""

from __future__ import annotations

from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

from .layout import (
    CODES_SHEET,
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    INSTRUCTIONS_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    NO,
    YES,
    Column,
)

ROWS_WITH_VALIDATION = 20_000
FLAT_SHEET = "登记表"

INSTRUCTIONS = [
    "《贫困户登记表》导入模板",
    "",
    "1. 「贫困户」表每户一行，「家庭成员」表每人一行；新户的「户编号」留空，两表都填写「户主公民身份号码」以关联。",
    "2. 已建档的户填写「户编号」：导入时按户编号和成员身份证号匹配，内容有变化则更新并记录修改日志，没有变化则跳过。",
    "3. 带下拉框的列请从下拉框选择（也可填写代码表中的代码）；「是/否」列填写 是 或 否。",
    "4. 身份证号、区划代码、户编号列已设为文本格式，请勿改为数字格式，否则长号码会丢失末尾数字。",
    "5. 灰色列（家庭人口数、家庭纯收入、人均纯收入）由系统计算，导入时忽略。",
    "6. 标红的列为必填。其他致贫原因最多 2 项，用“、”分隔，不能与主要致贫原因重复。",
    "7. 导入默认“全部成功才保存”；有错误时可下载错误报告，在报告中修改后直接再次导入。",
    "",
    "列说明：",
]


def _write_sheet(book, name: str, columns: tuple[Column, ...], formats: dict, code_ranges: dict) -> None:
    sheet = book.add_worksheet(name)
    for i, column in enumerate(columns):
        fmt = formats["text"] if column.kind == "text" else None
        sheet.set_column(i, i, column.width, fmt)
        head = (
            formats["computed"]
            if column.kind == "computed"
            else formats["required" if column.required else "header"]
        )
        sheet.write_string(0, i, column.header, head)
        if column.note:
            sheet.write_comment(0, i, column.note)
        if column.kind in {"choice", "causes"} and column.key in code_ranges:
            sheet.data_validation(
                1, i, ROWS_WITH_VALIDATION, i,
                {"validate": "list", "source": code_ranges[column.key], "error_type": "warning" if column.kind == "causes" else "stop",
                 "error_title": "请从下拉框选择", "error_message": f"「{column.header}」请从下拉框选择"},
            )  # fmt: skip
        elif column.kind == "bool":
            sheet.data_validation(1, i, ROWS_WITH_VALIDATION, i, {"validate": "list", "source": [YES, NO]})
        elif column.kind in {"decimal", "int"}:
            sheet.data_validation(
                1, i, ROWS_WITH_VALIDATION, i,
                {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": "请填写不小于 0 的数字"},
            )  # fmt: skip
    sheet.freeze_panes(1, 2)


def write_template(path: Path, *, flat: bool = False) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True}),
        "required": book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True, "font_color": "#B3261E"}),
        "computed": book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "font_color": "#595959"}),
        "text": book.add_format({"num_format": "@"}),
    }  # fmt: skip
    intro = book.add_worksheet(INSTRUCTIONS_SHEET)
    intro.set_column(0, 0, 30)
    intro.set_column(1, 1, 90)
    columns_seen = {}
    for column in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS):
        columns_seen.setdefault(column.key, column)
    for r, text in enumerate(INSTRUCTIONS):
        intro.write_string(r, 0, text)
    for r, column in enumerate(columns_seen.values(), start=len(INSTRUCTIONS)):
        intro.write_string(r, 0, column.header + ("（必填）" if column.required else ""))
        intro.write_string(r, 1, column.note or ("从下拉框选择" if column.choices else ""))

    codes = book.add_worksheet(CODES_SHEET)
    code_ranges = {}
    coded = [c for c in columns_seen.values() if c.choices]
    for i, column in enumerate(coded):
        codes.write_string(0, i, column.header)
        for r, (_code, label) in enumerate(column.choices, start=1):
            codes.write_string(r, i, label)
        letter = xl_col_to_name(i)
        code_ranges[column.key] = f"='{CODES_SHEET}'!${letter}$2:${letter}${len(column.choices) + 1}"
        codes.set_column(i, i, 18)

    if flat:
        _write_sheet(book, FLAT_SHEET, FLAT_COLUMNS, formats, code_ranges)
    else:
        _write_sheet(book, HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS, formats, code_ranges)
        _write_sheet(book, MEMBER_SHEET, MEMBER_COLUMNS, formats, code_ranges)
    book.close()
