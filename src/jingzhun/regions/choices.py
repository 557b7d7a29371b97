"""Code lists of the administrative hierarchy (统计用区划代码 and 城乡分类代码)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    PREFECTURE = 2, _("地级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")
    VILLAGE = 5, _("村级")


class RegionKind(models.TextChoices):
    """Township kind from digits 7–9, village kind from digits 10–12 (DOMAIN.md §1)."""

    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    TOWNSHIP_LIKE = "township_like", _("类似乡级单位")
    NEIGHBOURHOOD = "neighbourhood", _("居委会")
    VILLAGE = "village", _("村委会")
    VILLAGE_LIKE = "village_like", _("类似村级单位")


class Zone(models.TextChoices):
    EAST = "east", _("东部")
    CENTRAL = "central", _("中部")
    WEST = "west", _("西部")


class UrbanRural(models.TextChoices):
    """城乡分类代码 (3 digits)."""

    MAIN_URBAN = "111", _("主城区")
    URBAN_RURAL_FRINGE = "112", _("城乡结合区")
    TOWN_CENTRE = "121", _("镇中心区")
    TOWN_RURAL_FRINGE = "122", _("镇乡结合区")
    SPECIAL = "123", _("特殊区域")
    TOWNSHIP_CENTRE = "210", _("乡中心区")
    VILLAGE = "220", _("村庄")
