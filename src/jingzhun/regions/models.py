"""The five-level administrative tree (省/市/县/乡/村) keyed by the official 12-digit 统计用区划代码."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.ids import validate_phone
from jingzhun.core.scoping import ScopedModel

from . import rules
from .choices import RegionKind, RegionLevel, UrbanRural, Zone


class Region(ScopedModel):
    """One administrative unit. Its subtree is the code range ``subtree_range()``: queries never walk parents."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RegionKind.choices, blank=True)
    zone = models.CharField(_("东中西部"), max_length=8, choices=Zone.choices, blank=True)
    urban_rural = models.CharField(_("城乡分类代码"), max_length=3, choices=UrbanRural.choices, blank=True)

    scope_lookup = "code"
    keyset_fields = ("code",)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code")]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="region_level_1_5"),
        ]

    def __str__(self) -> str:
        return self.name

    def subtree_range(self) -> tuple[str, str]:
        return rules.subtree_range(self.code)

    @property
    def ancestor_codes(self) -> list[str]:
        return rules.ancestors_of(self.code)

    def ancestors(self) -> list["Region"]:
        found = Region.objects.in_bulk(self.ancestor_codes)
        return [found[c] for c in self.ancestor_codes if c in found]

    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self] if r.name not in {"市辖区", "县"})

    @property
    def is_village(self) -> bool:
        return self.level == RegionLevel.VILLAGE


class RegionOffice(ScopedModel):
    """The office that answers for a region's registry (县乡村振兴局 / 扶贫办): named to officials of other regions
    when a person they register is already registered here, so they know whom to call — instead of the village
    and household, which they may not see."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, primary_key=True, related_name="office", verbose_name=_("区划")
    )
    name = models.CharField(_("机构名称"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=30, validators=[validate_phone])

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("区划主管机构")
        verbose_name_plural = _("区划主管机构")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"


class FormerName(ScopedModel):
    """A village's or township's former name (撤并 / 更名, mostly 2016–2020): an old file that names it so resolves
    to today's code (``regions.names``). One row per former name; ``until_year`` is the last year it was in use.

    A merged village (or township: 撤乡并镇) is a former name of the one it was merged into; a renamed one, of
    itself. ``township_name`` is a village's township at the time (empty for a township).
    """

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="former_names", verbose_name=_("现区划（村或乡镇）")
    )
    name = models.CharField(_("原名称"), max_length=100)
    township_name = models.CharField(_("原所属乡镇"), max_length=100, blank=True)
    until_year = models.PositiveSmallIntegerField(_("使用至年度"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("区划曾用名")
        verbose_name_plural = _("区划曾用名")
        constraints = [
            models.UniqueConstraint(fields=["region", "name", "until_year"], name="formername_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.region_id}"
