"""Regions given by name (省, 市, 县, 乡, 村), as the national system's files give them, resolved to today's codes.

Names are compared in a normalised form that tolerates the usual variants: 西门村 / 西门村村民委员会 / 西门村委会,
西门社区 / 西门社区居民委员会 / 西门居委会, 城关镇 / 城关镇人民政府. A village not found under its current name is
looked up among the county's former names (``FormerName``: villages merged or renamed, mostly 2016–2020); so is
a township (撤乡并镇: an old file's township resolves to the one it became, and its villages are looked for there).
The county is resolved first and every later step stays inside it: a name is never guessed across counties.
An unknown or ambiguous name is refused with the candidates listed; so is a village outside the user's scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .choices import RegionLevel
from .models import FormerName, Region

# (suffix, what stands for it): 西门村村民委员会 and 西门村委会 are 西门村; 响楼社区居民委员会 and 响楼居委会 are 响楼社区.
_COMMITTEES = (
    ("社区居民委员会", "社区"), ("社区居委会", "社区"), ("村民委员会", ""), ("村委会", "村"),
    ("居民委员会", "社区"), ("居委会", "社区"),
)  # fmt: skip
_TOWNSHIP_SUFFIXES = ("人民政府", "办事处")
_SPACES = re.compile(r"\s+")


def village_name(name: str) -> str:
    """A village's name without its committee's words: 西门村村民委员会, 西门村委会 and 西门村 are 西门村."""
    text = _SPACES.sub("", name or "")
    for suffix, stands_for in _COMMITTEES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            return text if text.endswith(stands_for) else text + stands_for
    return text


def village_key(name: str) -> str:
    """The looser form, tried when ``village_name`` finds nothing: 西门村, 西门社区 and 西门 are all 西门."""
    text = village_name(name)
    for suffix in ("社区", "村"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def township_key(name: str) -> str:
    text = _SPACES.sub("", name or "")
    for suffix in _TOWNSHIP_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return text


def _plain(name: str) -> str:
    return _SPACES.sub("", name or "")


@dataclass
class Resolved:
    """A village code, or the reason (in Chinese) it could not be found."""

    code: str = ""
    error: str = ""


def _listed(regions) -> str:
    return "、".join(f"{r.full_name() if hasattr(r, 'full_name') else r}（{r.code}）" for r in regions[:8])


@dataclass
class NameResolver:
    """Resolves name tuples for one import: each county's townships, villages and former names are read once."""

    user: object
    counties: dict[tuple[str, str, str], Resolved | Region] = field(default_factory=dict)
    places: dict[str, tuple[dict, dict, dict]] = field(default_factory=dict)  # county code → name indexes
    answers: dict[tuple, Resolved] = field(default_factory=dict)

    def resolve(self, province: str, city: str, county: str, township: str, village: str) -> Resolved:
        key = tuple(_plain(n) for n in (province, city, county, township, village))
        if key not in self.answers:
            self.answers[key] = self._resolve(*key)
        return self.answers[key]

    def _county(self, province: str, city: str, county: str) -> Resolved | Region:
        key = (province, city, county)
        if key not in self.counties:
            self.counties[key] = self._find_county(*key)
        return self.counties[key]

    def _find_county(self, province: str, city: str, county: str) -> Resolved | Region:
        if not county:
            return Resolved(error=_("「县」必填"))
        found = list(Region.objects.filter(level=RegionLevel.COUNTY, name=county).order_by("code"))
        names = dict(
            Region.objects.filter(
                code__in={c.parent_id for c in found} | {c.code[:2] + "0" * 10 for c in found}
            ).values_list("code", "name")
        )  # the counties' cities and provinces, in one query

        def fits(region: Region) -> bool:
            upper = names.get(region.parent_id or "", "")
            top = names.get(region.code[:2] + "0" * 10, "")
            return (not city or city == upper or upper in {"市辖区", "县", ""}) and (
                not province or province == top
            )

        found = [c for c in found if fits(c)]
        user_range = self.user.scope_range() if self.user is not None else None
        if user_range is not None:  # the user's own county, or a county inside the user's province or city
            low, high = user_range
            found = [c for c in found if c.code[:6] <= high[:6] and c.code[:6] >= low[:6]]
        if not found:
            return Resolved(error=_("在您的管辖范围内找不到县“%(name)s”") % {"name": county})
        if len(found) > 1:
            return Resolved(
                error=_("县名“%(name)s”不唯一，请核对省、市名称。候选：%(list)s")
                % {"name": county, "list": _listed(found)}
            )
        return found[0]

    def _indexes(self, county: Region) -> tuple[dict, dict, dict]:
        if county.code not in self.places:
            inside = Region.objects.filter(code__startswith=county.code[:6], level__in=[4, 5]).only(
                "code", "name", "level"
            )
            townships: dict[str, list[Region]] = {}
            # (township code, name) and (township code, looser key, "") → villages
            villages: dict[tuple, list[Region]] = {}
            for r in inside:
                if r.level == RegionLevel.TOWNSHIP:
                    townships.setdefault(township_key(r.name), []).append(r)
                else:
                    villages.setdefault((r.code[:9], village_name(r.name)), []).append(r)
                    villages.setdefault((r.code[:9], village_key(r.name), ""), []).append(r)
            former: dict[
                tuple, list[FormerName]
            ] = {}  # (name,) and (looser key, "") → villages' former names
            olds = FormerName.objects.filter(region__code__startswith=county.code[:6]).select_related(
                "region"
            )
            for f in olds:
                if f.region.level == RegionLevel.TOWNSHIP:  # beside today's names, under a key of its own
                    townships.setdefault(("former", township_key(f.name)), []).append(f.region)
                    continue
                former.setdefault((village_name(f.name),), []).append(f)
                former.setdefault((village_key(f.name), ""), []).append(f)
            self.places[county.code] = (townships, villages, former)
        return self.places[county.code]

    def _resolve(self, province: str, city: str, county: str, township: str, village: str) -> Resolved:
        found = self._county(province, city, county)
        if isinstance(found, Resolved):
            return found
        townships, villages, former = self._indexes(found)
        if not village:
            return Resolved(error=_("「村」必填"))
        # today's name first, then a former one (a township merged into another, or renamed), within the county
        in_townships = (townships.get(township_key(township)) or townships.get(("former", township_key(township)))
                        or []) if township else []  # fmt: skip
        if township and not in_townships:
            return Resolved(
                error=_("%(county)s没有乡镇“%(name)s”（也不是已登记的曾用名）")
                % {"county": found.name, "name": township}
            )
        where = in_townships or townships_of(townships)
        candidates: list[Region] = []
        for wanted in ((village_name(village),), (village_key(village), "")):  # the exact name first
            candidates = [v for t in where for v in villages.get((t.code[:9], *wanted), [])]
            if not candidates:  # a former name (merged or renamed village), within the county
                olds = [f for f in former.get(wanted, []) if not township or not f.township_name
                        or township_key(f.township_name) == township_key(township)]  # fmt: skip
                candidates = list({f.region.code: f.region for f in olds}.values())
            if candidates:
                break
        if not candidates:
            return Resolved(
                error=_("%(where)s找不到村“%(name)s”（也不是已登记的曾用名）")
                % {"where": found.name + (township or ""), "name": village}
            )
        if len(candidates) > 1:
            return Resolved(
                error=_("村名“%(name)s”对应多个村，请写全名或注明乡镇。候选：%(list)s")
                % {"name": village, "list": "、".join(f"{c.name}（{c.code}）" for c in candidates[:8])}
            )
        code = candidates[0].code
        if self.user is not None and not self.user.in_scope(code):
            return Resolved(
                error=_("村“%(name)s”（%(code)s）不在您的管辖范围内") % {"name": village, "code": code}
            )
        return Resolved(code=code)


def townships_of(townships: dict) -> list[Region]:
    """Every township of the county, once (former names key some of them a second time)."""
    return list(
        {t.code: t for key, group in townships.items() if isinstance(key, str) for t in group}.values()
    )
