"""Form helpers for regions: a region chosen by name within the reader's scope, never a typed 12-digit code."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .choices import RegionLevel
from .models import Region


class RegionPickerWidget(forms.Widget):
    """The cascading picker (``regions/_picker.html``: 省 → 市 → 县 → 乡 → 村, each select fetched by htmx when
    the one above changes) for scopes too large to list; the deepest select chosen is the value."""

    def __init__(self, *, user, action: str, lowest: int, everywhere: bool = False, attrs=None):
        super().__init__(attrs)
        self.user, self.action, self.lowest, self.everywhere = user, action, lowest, everywhere

    def render(self, name, value, attrs=None, renderer=None):
        from . import selectors

        code = value if isinstance(value, str) and value.isdigit() and len(value) == 12 else ""
        levels = selectors.picker_levels(
            user=self.user, code=code, action=self.action, lowest=self.lowest, everywhere=self.everywhere
        )
        return render_to_string(
            "regions/_picker.html",
            {"levels": levels, "name": name, "action": self.action, "lowest": self.lowest,
             "everywhere": self.everywhere},
        )  # fmt: skip

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return values[-1] if values else None

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class RegionChoiceField(forms.CharField):
    """A region of the user's scope at one of ``levels``, chosen from a list by name (or the cascading picker
    for a large scope). Cleans to the 12-digit code; a code outside the scope or at another level is refused
    with a Chinese message, whatever the page offered (a request can be forged)."""

    def __init__(self, *, user, levels, action: str = "view", offered=None, **kwargs):
        from . import selectors

        self.user, self.levels, self.action = user, tuple(levels), action
        if offered is None:
            offered = selectors.regions_offered(user=user, levels=self.levels, action=action)
        if offered is not None:
            widget = forms.Select(choices=[("", _("请选择")), *offered])
        else:
            widget = RegionPickerWidget(user=user, action=action, lowest=max(self.levels))
        kwargs.setdefault("help_text", "")
        super().__init__(widget=widget, max_length=12, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        code = value.strip()
        region = (
            Region.objects.for_user(self.user, self.action).filter(code=code.ljust(12, "0")).first()
            if code.isdigit() and len(code) <= 12
            else None
        )
        if region is None:
            raise ValidationError(
                _("该区划不存在或不在您的管辖范围内，请从列表中选择。"), code="out_of_scope"
            )
        _refuse_level(region, self.levels)
        return region.code


def _refuse_level(region: Region, levels) -> None:
    if region.level not in levels:
        wanted = str(_("、")).join(str(RegionLevel(lv).label) for lv in levels)
        raise ValidationError(
            _("请选择%(levels)s区划（所选为%(level)s）。"),
            code="level",
            params={"levels": wanted, "level": RegionLevel(region.level).label},
        )


class RegionAnywhereField(forms.CharField):
    """A region anywhere in the country at one of ``levels`` — a place outside the user's scope by nature (a
    transfer's receiving village) — chosen by name with the country-wide cascading picker (省 → 市 → 县 → 乡 →
    村, each level fetched by htmx: never the country's 600,000 villages in one page). Only public names are
    shown. Cleans to the 12-digit code; an unknown code, another level or one of ``exclude`` (with
    ``exclude_message``) is refused in Chinese, whatever was posted. Without JavaScript the deepest select
    chosen is posted and refused with the level it is at, and the form comes back one level deeper."""

    def __init__(self, *, user, levels, action: str = "view", exclude=(), exclude_message="", **kwargs):
        self.levels, self.exclude, self.exclude_message = tuple(levels), set(exclude), exclude_message
        widget = RegionPickerWidget(user=user, action=action, lowest=max(self.levels), everywhere=True)
        kwargs.setdefault("help_text", "")
        super().__init__(widget=widget, max_length=12, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        code = value.strip()
        region = (
            Region.objects.public().filter(code=code.ljust(12, "0")).first()
            if code.isdigit() and len(code) <= 12
            else None
        )
        if region is None:
            raise ValidationError(
                _("区划代码 %(c)s 不存在，请从列表中选择。"), code="unknown", params={"c": code}
            )
        _refuse_level(region, self.levels)
        if region.code in self.exclude:
            raise ValidationError(self.exclude_message or _("不能选择该区划。"), code="excluded")
        return region.code


def offer_regions(
    form: forms.BaseForm, field: str, *, user, levels, action: str = "view", required: bool = True, label=None
) -> None:
    """Replace ``form``'s code box ``field`` by a choice of the user's regions at ``levels`` by name
    (``RegionChoiceField``), keeping its label unless ``label`` is given."""
    old = form.fields[field]
    form.fields[field] = RegionChoiceField(
        user=user, levels=levels, action=action, required=required, label=label or old.label
    )
