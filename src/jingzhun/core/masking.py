"""Masking of personal data (ID numbers, phones) for pages, exports and roles that do not need it in full."""


def mask_id_number(number: str | None) -> str:
    """Keep the address code's first 4 and the last 4 characters: 5226**********001X."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "*" * len(phone)
