"""The offline field form and its submissions: an XLSForm for ODK Collect (validated by pyxform), its external
choice lists (villages and the sample's households by field code: thousands of villages break cascading
selects), and the reading of ODK Central's CSV export — bounded and guarded before a byte is parsed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jingzhun.core.cells import unguard
from jingzhun.imports.workbook_guard import MAX_COLUMNS, MAX_MEMBERS, MAX_RATIO

from .models import CONDITIONS

# the columns that say which version of a submission a row is (none required: an older export has none)
VERSION_COLUMNS = ("version", "deprecated", "Edits", "UpdatedAt")
MAX_ROWS = 50_000  # a county's survey has a few hundred submissions
YES, NO, UNKNOWN = "yes", "no", "unknown"
ANSWERS = ("persons", *(name for name, _label in CONDITIONS), "satisfied")
# 精准帮扶 questions a household may answer 不了解 (kept empty); an export of a form without them reads as empty
RATINGS = ("team_satisfied", "cadre_satisfied")


def rating_questions() -> list[tuple[str, str]]:
    """The 精准帮扶 questions (name, label) — one wording for the ODK form and the web form."""
    return [
        ("team_satisfied", _("对本村驻村工作队的帮扶工作是否满意")),
        ("cadre_satisfied", _("对本户帮扶责任人的帮扶工作是否满意")),
    ]


def xlsform(*, form_id: str, version: str, title: str) -> bytes:
    """The XLSForm (.xlsx) of a sample's survey. The assessor picks the village and the household by its field
    code from the external lists (``villages.csv``, ``households.csv``); the registry's status is not on the
    form."""
    survey = [
        ["type", "name", "label", "required", "constraint", "constraint_message", "choice_filter"],
        ["select_one_from_file villages.csv", "village", _("样本村"), "yes", "", "", ""],
        ["select_one_from_file households.csv", "household", _("样本户（按样本编号）"), "yes", "", "",
         "village=${village}"],
        ["integer", "persons", _("家庭人口数"), "yes", ". >= 1 and . <= 30", _("家庭人口数应在 1 到 30 之间"), ""],
        *[["select_one yesno", name, str(label), "yes", "", "", ""] for name, label in CONDITIONS],
        ["select_one yesno", "satisfied", _("对本村脱贫攻坚工作是否满意（认可）"), "yes", "", "", ""],
        *[["select_one yesnounknown", name, str(label), "yes", "", "", ""] for name, label in rating_questions()],
    ]  # fmt: skip
    choices = [["list_name", "name", "label"], ["yesno", YES, _("是")], ["yesno", NO, _("否")],
               *[["yesnounknown", v, label] for v, label in ((YES, _("是")), (NO, _("否")), (UNKNOWN, _("不了解")))]]  # fmt: skip
    settings_rows = [
        ["form_title", "form_id", "version", "default_language"],
        [title, form_id, version, "zh"],
    ]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    for name, rows in (("survey", survey), ("choices", choices), ("settings", settings_rows)):
        sheet = book.add_worksheet(name)
        for r, values in enumerate(rows):
            sheet.write_row(r, 0, [str(v) for v in values])
    book.close()
    return buffer.getvalue()


def validate_xlsform(data: bytes, *, odk_validate: bool = False) -> str:
    """The XForm XML pyxform makes of ``data`` (ValidationError with pyxform's words if it refuses);
    ``odk_validate`` also runs ODK Validate (needs Java)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import ODKValidateError, convert

    try:
        return convert(xlsform=io.BytesIO(data), file_type=".xlsx", validate=odk_validate).xform
    except (PyXFormError, ODKValidateError) as exc:
        raise ValidationError(_("XLSForm 未通过校验：%(e)s") % {"e": exc}) from exc


def choices_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Submission:
    line: int
    instance_id: str
    version: str
    submitted: str
    household_key: str
    values: dict
    # the version of the submission (an edit in Central: a new meta-instanceID, deprecatedID the one before, one
    # more in Edits, an updatedAt); empty where the export does not say
    version_id: str = ""
    deprecated_id: str = ""
    edits: str = ""
    updated: str = ""


def _csv_text(data: bytes, name: str, *, wanted: str) -> str:
    """The CSV's text, from a .csv or from Central's .zip export (the main table ``<form_id>.csv``)."""
    if name.lower().endswith(".zip"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise ValidationError(_("不是有效的 zip 文件。")) from exc
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValidationError(_("zip 文件包含的文件过多。"))
        main = next((m for m in members if m.filename.rsplit("/", 1)[-1] == wanted), None)
        if main is None:
            raise ValidationError(_("zip 文件中没有 %(n)s（ODK Central 导出的提交数据表）。") % {"n": wanted})
        if main.file_size > settings.IMPORT_MAX_UNPACKED_BYTES or (
            main.compress_size
            and main.file_size / main.compress_size > MAX_RATIO
            and main.file_size > 8 * 2**20
        ):
            raise ValidationError(_("zip 文件解压后过大，可能是恶意文件，已拒绝。"))
        data = archive.read(main)
    elif not name.lower().endswith(".csv"):
        raise ValidationError(_("请上传 ODK Central 导出的 CSV 文件或其 zip 压缩包。"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("CSV 文件须为 UTF-8 编码（ODK Central 的导出即是）。")) from exc


def _column(header: list[str], name: str) -> int | None:
    """Central names a field by its group path (``grp-persons``); the last part is the field's name."""
    for i, h in enumerate(header):
        if h == name or (h.rsplit("-", 1)[-1] == name and not h.startswith("meta-")):
            return i
    return None


def _meta(header: list[str], name: str) -> int | None:
    """A column of the form's meta group (``meta-instanceID``; ``instanceID`` where the export drops the group)."""
    for wanted in (f"meta-{name}", name):
        if wanted in header:
            return header.index(wanted)
    return None


def _cells(row: list[str], index: dict):
    def cell(key: str) -> str:
        i = index[key]
        return unguard(row[i].strip()) if i is not None and i < len(row) else ""

    return cell


def read_submissions(data: bytes, name: str, *, form_id: str) -> list[Submission]:
    """The submissions of Central's export: refused whole if a column is missing or the file is out of bounds."""
    text = _csv_text(data, name, wanted=f"{form_id}.csv")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ValidationError(_("CSV 文件是空的。"))
    if len(header) > MAX_COLUMNS:
        raise ValidationError(_("CSV 文件的列数超过 %(n)d，不是本系统的调查表。") % {"n": MAX_COLUMNS})
    header = [h.strip() for h in header]
    # Central's KEY is the submission's own id, kept when the submission is edited (its meta-instanceID then
    # changes): the import keys on it, as the API pull does on ``__id``; an export without it on meta-instanceID
    index = {"instance": header.index("KEY") if "KEY" in header else _meta(header, "instanceID")}
    for key in ("household", "FormVersion", "SubmissionDate", *ANSWERS, *RATINGS):
        index[key] = _column(header, key)
    optional = ("SubmissionDate", *RATINGS, *VERSION_COLUMNS)
    index |= {
        "version": _meta(header, "instanceID"), "deprecated": _meta(header, "deprecatedID"),
        "Edits": header.index("Edits") if "Edits" in header else None,
        "UpdatedAt": header.index("UpdatedAt") if "UpdatedAt" in header else None,
    }  # fmt: skip
    missing = [k for k, i in index.items() if i is None and k not in optional]
    if missing:
        raise ValidationError(_("CSV 文件缺少列：%(c)s。") % {"c": "、".join(missing)})
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise ValidationError(_("CSV 文件超过 %(n)d 行。") % {"n": MAX_ROWS})
        if not any(cell.strip() for cell in row):
            continue
        cell = _cells(row, index)
        rows.append(
            Submission(
                line=line, instance_id=cell("instance"), version=cell("FormVersion"),
                submitted=cell("SubmissionDate"), household_key=cell("household"),
                values={k: cell(k) for k in (*ANSWERS, *RATINGS)}, version_id=cell("version"),
                deprecated_id=cell("deprecated"), edits=cell("Edits"), updated=cell("UpdatedAt"),
            )
        )  # fmt: skip
    return rows


def answers(values: dict) -> dict:
    """The form's answers as the record's fields (ValidationError naming the field if one is not an answer)."""
    out, errors = {}, []
    try:
        out["persons"] = int(values.get("persons", ""))
    except ValueError:
        errors.append(_("家庭人口数不是整数"))
    for name in ANSWERS[1:]:
        value = str(values.get(name, "")).strip().lower()
        if value not in (YES, NO):
            errors.append(_("「%(f)s」应为 yes 或 no") % {"f": name})
        out[name] = value == YES
    for name in RATINGS:
        value = str(values.get(name, "")).strip().lower()
        if value not in (YES, NO, UNKNOWN, ""):
            errors.append(_("「%(f)s」应为 yes、no 或 unknown") % {"f": name})
        out[name] = {YES: True, NO: False}.get(value)
    if errors:
        raise ValidationError("；".join(errors))
    return out


def submitted_at(text: str):
    """Central's SubmissionDate (ISO 8601, e.g. 2026-10-12T08:00:00.000Z) as an aware datetime; None if empty,
    ValueError if it is not a date and time."""
    if not text:
        return None
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def edits(text: str) -> int | None:
    """Central's count of a submission's edits (None where the export does not say; ValueError if not a count)."""
    if not text:
        return None
    count = int(text)
    if count < 0:
        raise ValueError(text)
    return count


def since_filter(since) -> str | None:
    """The OData filter of an incremental pull: the submissions Central received, or that were edited, at or after
    ``since`` (the latest submission or edit date imported; the one at that instant again, as imports are
    idempotent by instance and version)."""
    if since is None:
        return None
    at = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"__system/submissionDate ge {at} or __system/updatedAt ge {at}"


def _flat(value: dict, out: dict) -> dict:
    """A submission's fields by their own name (groups are nested objects in Central's OData)."""
    for key, item in value.items():
        if isinstance(item, dict) and not key.startswith("__"):
            _flat(item, out)
        else:
            out.setdefault(key, item)
    return out


def odata_csv(rows: list[dict]) -> bytes:
    """Central's OData rows (``client.submissions.get_table()["value"]``) as the CSV export writes them, so a
    pull goes through the same checked import: ``__id`` as KEY, ``__system``'s submission date, form version and
    count of edits, the form's fields by name — and ``__system/updatedAt`` (the date of the latest edit, which
    the CSV export lacks) as UpdatedAt, where the next pull starts from."""
    header = ["SubmissionDate", "household", *ANSWERS, *RATINGS, "meta-instanceID", "meta-deprecatedID", "KEY",
              "Edits", "FormVersion", "UpdatedAt"]  # fmt: skip
    lines = []
    for row in rows:
        fields = _flat(row, {})
        system = row.get("__system") or {}
        edits = system.get("edits")
        lines.append([
            system.get("submissionDate") or "", *(fields.get(k) or "" for k in ("household", *ANSWERS, *RATINGS)),
            fields.get("instanceID") or "", fields.get("deprecatedID") or "", row.get("__id") or "",
            "" if edits is None else edits, system.get("formVersion") or "", system.get("updatedAt") or "",
        ])  # fmt: skip
    return choices_csv(header, [[str(c) for c in line] for line in lines])
