from jingzhun.regions import rules


def test_level_parent_and_ancestors_come_from_the_code():
    village = "320508019044"
    assert rules.level_of(village) == 5
    assert rules.parent_of(village) == "320508019000"
    assert rules.ancestors_of(village) == ["320000000000", "320500000000", "320508000000", "320508019000"]
    assert rules.level_of("522634100000") == 4 and rules.level_of("522634000000") == 3
    assert rules.parent_of("320000000000") is None


def test_subtree_is_a_contiguous_code_range():
    assert rules.subtree_range("522634100000") == ("522634100000", "522634100999")
    assert rules.subtree_range("520000000000") == ("520000000000", "529999999999")


def test_kinds_follow_the_official_code_bands():
    assert rules.kind_of("522634001000") == "subdistrict"  # 街道 001–099
    assert rules.kind_of("522634100000") == "town"  # 镇 100–199
    assert rules.kind_of("522634203000") == "township"  # 乡 200–399
    assert rules.kind_of("522634100001") == "neighbourhood"  # 居委会 001–199
    assert rules.kind_of("522634100201") == "village"  # 村委会 200–399
    assert rules.kind_of("522634100401") == "village_like"


def test_zones_east_central_west():
    assert rules.zone_of("520000000000") == "west"  # 贵州
    assert rules.zone_of("410000000000") == "central"  # 河南
    assert rules.zone_of("320000000000") == "east"  # 江苏
