"""Optional second factor for logins: time-based one-time codes (TOTP, RFC 6238) from any authenticator app.

pyotp computes and checks the codes; segno draws the enrolment QR code as inline SVG (no image library, no
outside service). A code is accepted within one 30-second step either side (phones drift), once: the step of
the last accepted code is remembered so that a code seen over a shoulder cannot be replayed."""

from __future__ import annotations

import io
import time

import pyotp
import segno
from django.core.cache import cache

ISSUER = "Jingzhun 精准扶贫"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def verify(secret: str, code: str, *, user_key: str) -> bool:
    """Is ``code`` a valid, unused code for ``secret`` now?"""
    code = "".join((code or "").split())
    if not (secret and code.isascii() and code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(secret)
    now = time.time()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if totp.at(at) == code:
            step = int(at // totp.interval)
            # add() is atomic: of two logins racing with the same code, one wins; later steps only
            return cache.add(f"totp-used:{user_key}:{step}", True, 4 * totp.interval) and not any(
                cache.get(f"totp-used:{user_key}:{later}") for later in (step + 1, step + 2)
            )
    return False
