"""Resident identity numbers (公民身份号码, GB 11643-1999): validation, normalisation, derived facts.

18 characters = 6-digit address code + birth date YYYYMMDD + 3-digit sequence (odd = male) + check char.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# 联系电话: an 11-digit mobile number, or a landline with its area code (0855-3331234, 08553331234) and perhaps an
# extension. A plain pattern (RE2 reads it too) so an import checks a whole column at once (``imports.columnar``).
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"
validate_phone = RegexValidator(
    PHONE_PATTERN,
    gettext_lazy("联系电话应为 11 位手机号，或带区号的固定电话（如 0855-3331234）。"),
    code="phone",
)

# A bank account or card number: 12 to 30 ASCII digits (domestic cards are 16–19, passbook accounts longer).
# No Luhn check: many Chinese accounts (存折, 社保卡 accounts) do not carry one.
BANK_ACCOUNT_PATTERN = r"^[0-9]{12,30}$"
validate_bank_account = RegexValidator(
    BANK_ACCOUNT_PATTERN,
    gettext_lazy("银行账号应为 12 至 30 位数字（可含空格，系统会自动去掉）。"),
    code="bank_account",
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Whitespace as str.split() knows it, written out so that Python and Arrow (RE2) drop the same characters.
SPACES = re.compile("[\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
SHAPE_18 = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: str.isdigit() also takes ٣ and other scripts' digits
MALE = "1"
FEMALE = "2"


@dataclass(frozen=True)
class IdFacts:
    number: str
    address_code: str
    birth_date: dt.date
    sex: str  # "1" male, "2" female (GB/T 2261.1)


def normalize_identifier(raw: Any) -> str:
    """The one form an identifier (ID number, 残疾证号, phone, 户编号) is checked, stored and compared in.

    NFKC turns full-width digits and letters (５２２６…, ｘ) into ASCII, whitespace anywhere is dropped (numbers
    are often typed in groups), and letters are upper-cased (a check character x is X). Without it the same
    person typed with an input method's full-width digits is a second person, and a search finds neither.
    """
    if raw is None:
        return ""
    return SPACES.sub("", unicodedata.normalize("NFKC", str(raw))).upper()


def normalize_identifiers(column):
    """``normalize_identifier`` over a pyarrow string column (nulls stay null); ASCII columns skip the NFKC pass."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = column.cast(pa.string())
    if not pc.all(pc.fill_null(pc.string_is_ascii(text), True)).as_py():
        text = pc.utf8_normalize(text, form="NFKC")
    return pc.utf8_upper(pc.replace_substring_regex(text, SPACES.pattern, ""))


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def upgrade_15(number: str) -> str:
    """Upgrade a legacy 15-digit number (born 19xx, no check char) to 18 digits."""
    if len(number) != 15 or not (number.isascii() and number.isdigit()):
        raise ValidationError(_("15 位旧身份证号码应全部为数字。"), code="id_format")
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_char(first17)


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate ``raw`` and return the normalised number with its derived facts, or raise ValidationError."""
    number = normalize_identifier(raw)
    if len(number) == 15:
        number = upgrade_15(number)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位（当前 %(n)d 位）。") % {"n": len(number)}, code="id_length"
        )
    if not SHAPE_18.fullmatch(number):
        raise ValidationError(_("身份证号码前 17 位应为数字，最后一位为数字或 X。"), code="id_format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期 %(d)s 不存在。") % {"d": number[6:14]}, code="id_birth_date"
        ) from None
    today = today or dt.date.today()
    if birth > today:
        raise ValidationError(
            _("身份证号码中的出生日期 %(d)s 晚于今天。") % {"d": number[6:14]}, code="id_future"
        )
    if birth.year < 1890:
        raise ValidationError(
            _("身份证号码中的出生年份 %(y)d 不合理。") % {"y": birth.year}, code="id_birth_date"
        )
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位错误，请核对号码。"), code="id_checksum")
    return IdFacts(
        number=number,
        address_code=number[:6],
        birth_date=birth,
        sex=MALE if int(number[16]) % 2 else FEMALE,
    )


def make_id_number(address_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-digit number; ``sequence`` 0–999 (odd = male)."""
    first17 = f"{address_code[:6]}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


@dataclass(frozen=True)
class IdColumn:
    """``parse_id_many``'s answer: which numbers are valid 18-character ones, and their facts where they are."""

    ok: Any  # numpy bool array
    number: Any  # pyarrow string array, normalised (``normalize_identifiers``)
    birth_date: Any  # numpy datetime64[D] array (meaningless where not ok)
    sex: Any  # numpy array of "1"/"2"


def parse_id_many(numbers, *, today: dt.date | None = None) -> IdColumn:
    """``parse_id_number`` over a whole pyarrow string column at once, for bulk imports.

    It accepts exactly the 18-character numbers that ``parse_id_number`` accepts (a test compares the two on
    mutated numbers), normalised the same way (``normalize_identifiers``); the rarer form it does not handle
    (15-digit legacy numbers) comes out not ok, and callers send those rows through ``parse_id_number`` itself,
    which upgrades or explains them.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    today = today or dt.date.today()
    upper = normalize_identifiers(numbers)
    shaped = pc.fill_null(pc.match_substring_regex(upper, r"^[0-9]{17}[0-9X]$"), False)
    filler = "000000000000000000"
    fixed = pc.if_else(shaped, upper, filler)  # every value exactly 18 bytes: a fixed-width byte matrix
    if isinstance(fixed, pa.ChunkedArray):
        fixed = fixed.combine_chunks()
    n = len(fixed)
    offsets = np.frombuffer(fixed.buffers()[1], dtype=np.int32)[fixed.offset : fixed.offset + n + 1]
    chars = np.frombuffer(fixed.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(n, 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    checks = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[(digits @ np.array(WEIGHTS)) % 11]
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month = digits[:, 10:12] @ np.array([10, 1])
    day = digits[:, 12:14] @ np.array([10, 1])
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    month_days = month_days + ((month == 2) & leap)
    real_date = (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    birth = (
        (np.clip(year, 1, 9999) - 1970).astype("datetime64[Y]").astype("datetime64[M]")
        + (np.clip(month, 1, 12) - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    ok = (
        np.asarray(shaped.to_numpy(zero_copy_only=False), dtype=bool)
        & real_date
        & (year >= 1890)
        & (birth <= np.datetime64(today, "D"))
        & (checks == chars[:, 17])
    )
    sex = np.where(digits[:, 16] % 2 == 1, MALE, FEMALE)
    return IdColumn(ok=ok, number=upper, birth_date=birth, sex=sex)
