"""Rules for uploaded files, shared by every model that takes one (attachments of steps, photos of visits)."""

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

UPLOAD_MAX_BYTES = 10 * 2**20


def upload_size(f) -> None:
    if f and getattr(f, "size", 0) > UPLOAD_MAX_BYTES:
        raise ValidationError(_("附件不能超过 10 MB。"))


photo_type = FileExtensionValidator(["jpg", "jpeg", "png"], _("照片只能是 JPG 或 PNG 文件。"))


# The largest picture a scanned receipt or a photo may declare (width × height): a tiny file may claim a huge
# picture (a "decompression bomb") that would take gigabytes to open; a phone photo is about 12-50 megapixels.
UPLOAD_MAX_PIXELS = 80_000_000
UPLOAD_MAX_SIDE = 20_000
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def _png_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (always the first, at byte 16)."""
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's first start-of-frame marker (SOF0-SOF15 but DHT, JPG and DAC)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(data):
                return None
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        if length < 2:
            return None
        i += 2 + length
    return None


def upload_content(f) -> None:
    """An upload is what its name says (PDF, PNG or JPEG by its first bytes, not only its extension) and a
    picture declares a sane size (no side over ``UPLOAD_MAX_SIDE``, at most ``UPLOAD_MAX_PIXELS``), read from its
    header without decoding it. For files a user uploads that the system keeps and hands out again (receipts)."""
    if not f:
        return
    ext = (getattr(f, "name", "") or "").rsplit(".", 1)[-1].lower()
    signatures = _SIGNATURES.get(ext)
    if signatures is None:
        raise ValidationError(_("附件只能是 PDF、JPG 或 PNG 文件。"))
    f.seek(0)
    head = f.read(256 * 1024 if ext in ("jpg", "jpeg") else 64)  # a JPEG's frame header may follow its EXIF
    f.seek(0)
    if not any(head.startswith(s) for s in signatures):
        raise ValidationError(
            _("文件内容不是 %(t)s 文件，请上传原始的扫描件或照片。")
            % {"t": "PDF" if ext == "pdf" else ext.upper().replace("JPEG", "JPG")}
        )
    if ext == "pdf":
        return
    size = _png_size(head) if ext == "png" else _jpeg_size(head)
    if size is None:
        raise ValidationError(_("无法读取图片的尺寸，请重新拍照或扫描。"))
    width, height = size
    if not width or not height or max(width, height) > UPLOAD_MAX_SIDE or width * height > UPLOAD_MAX_PIXELS:
        raise ValidationError(
            _("图片尺寸 %(w)d×%(h)d 过大或无效，请缩小后上传。") % {"w": width, "h": height}
        )


def tiny_pdf(title: str = "receipt") -> bytes:
    """A small valid one-page PDF (a demo's or a test's receipt, an attachment made in code). ``title`` goes in
    its document information (ASCII)."""
    safe = "".join(c for c in title if (c.isascii() and c.isalnum()) or c in " -_")[:60]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
        f"<< /Title ({safe}) /Producer (jingzhun) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
