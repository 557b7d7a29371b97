"""Form helpers for regions: a village chosen by name where the reader's scope is small enough."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def offer_villages(
    form: forms.BaseForm, field: str, villages: list[tuple[str, str]], *, required: bool
) -> None:
    """Replace ``form``'s 12-digit code box ``field`` by a choice of ``villages`` (``selectors.villages_offered``:
    the reader's villages by name); with none offered (a scope above a county) the code box stays."""
    if villages:
        form.fields[field] = forms.ChoiceField(
            label=_("所在村"), required=required, choices=[("", _("请选择")), *villages]
        )
