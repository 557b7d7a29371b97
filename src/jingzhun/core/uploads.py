"""Rules for uploaded files, shared by every model that takes one (attachments of steps, photos of visits)."""

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

UPLOAD_MAX_BYTES = 10 * 2**20


def upload_size(f) -> None:
    if f and getattr(f, "size", 0) > UPLOAD_MAX_BYTES:
        raise ValidationError(_("附件不能超过 10 MB。"))


photo_type = FileExtensionValidator(["jpg", "jpeg", "png"], _("照片只能是 JPG 或 PNG 文件。"))
