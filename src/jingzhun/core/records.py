"""Workflow steps are records (ARCHITECTURE rule 5): a step row is written once and then never changed or
deleted — a correction is a new step. One mixin says so for every step model."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class WrittenOnce:
    """A model whose rows are inserted once: saving an existing row or deleting one is refused. Put it before
    the model's base (``class Step(WrittenOnce, ScopedModel)``) so its ``save`` and ``delete`` come first."""

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("办理记录一经写入不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("办理记录一经写入不可删除。"))
