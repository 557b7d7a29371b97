"""Import speed of the national system's layout (户年度基础信息 + 人员信息, GBK CSV, regions by name).

Writes a pair for N persons over the villages of the demo extract (雷山县), named as the national files name
them (西门村 for 西门村村民委员会), imports it with ``jingzhun import HOUSEHOLDS --members MEMBERS`` into a fresh
database and prints persons/s (the import's own time, start-up excluded), then imports it again (unchanged).

Usage: python bench/national_import_bench.py [--persons 100000] [--engine sqlite|postgres]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import sys
from pathlib import Path

from _common import ROOT, fresh_database_url, jingzhun, machine

sys.path.insert(0, str(ROOT / "src"))

from jingzhun.core.ids import make_id_number

EXTRACT = ROOT / "src" / "jingzhun" / "regions" / "data" / "extract-522634.csv"
RELATIONS = ["配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母"]
EDUCATION = ["文盲或半文盲", "小学", "初中", "高中", "大专", "本科及以上"]


def _places() -> list[tuple[str, str]]:
    names = dict(csv.reader(EXTRACT.open(encoding="utf-8")))
    villages = [(names[c[:9]], n.removesuffix("村民委员会")) for c, n in names.items() if len(c) == 12]
    return [(t, v) for t, v in villages if v.endswith("村")]


def write_pair(directory: Path, persons: int, seed: int = 7) -> tuple[Path, Path]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    django.setup()
    from jingzhun.imports.national import HOUSEHOLD_HEADERS, MEMBER_HEADERS

    rng = random.Random(seed)
    places = _places()
    h_path, m_path = (
        directory / f"national-households-{persons}.csv",
        directory / f"national-members-{persons}.csv",
    )
    with (
        h_path.open("w", encoding="gbk", newline="") as hf,
        m_path.open("w", encoding="gbk", newline="") as mf,
    ):
        hw, mw = csv.writer(hf), csv.writer(mf)
        hw.writerow(HOUSEHOLD_HEADERS)
        mw.writerow(MEMBER_HEADERS)
        made, serial = 0, 0
        while made < persons:
            serial += 1
            township, village = places[serial % len(places)]
            number = f"52263410{serial:08d}"
            size = min(rng.randint(1, 6), persons - made)
            people = []
            for k in range(size):
                n = made + k  # unique ID numbers: a birth day per thousand people
                birth = dt.date(1950 + rng.randint(0, 55), 1, 1) + dt.timedelta(days=n // 1000 % 300)
                id_number = make_id_number("522634", birth, n % 1000)
                people.append((f"成员{serial}-{k}", id_number, "户主" if k == 0 else rng.choice(RELATIONS)))
            place = ["贵州省", "黔东南苗族侗族自治州", "雷山县", township, village]
            h = dict.fromkeys(HOUSEHOLD_HEADERS, "")
            h.update(zip(["省", "市", "县", "乡", "村"], place, strict=True))
            h.update({"户编号": number, "户主姓名": people[0][0], "户主证件号码": people[0][1], "家庭人口数": size,
                      "年度": 2019, "识别标准": "国家标准", "主要致贫原因": rng.choice(["因病", "缺技术", "缺资金"]),
                      "工资性收入": rng.randint(0, 20000), "生产经营性收入": rng.randint(0, 5000),
                      "是否解决安全饮用水": "是", "入户路类型": "水泥路", "主要燃料类型": "柴草",
                      "开户银行名称": "农村信用社", "银行卡号": f"6217{serial:015d}"})  # fmt: skip
            hw.writerow([h[c] for c in HOUSEHOLD_HEADERS])
            for k, (name, id_number, relation) in enumerate(people):
                m = dict.fromkeys(MEMBER_HEADERS, "")
                m.update(zip(["省", "市", "县", "乡", "村"], place, strict=True))
                m.update({"户编号": number, "人口编号": f"{number}{k:02d}", "姓名": name, "证件号码": id_number,
                          "民族": "苗族", "与户主关系": relation, "文化程度": rng.choice(EDUCATION),
                          "劳动技能": "普通劳动力", "健康状况": "健康", "政治面貌": "群众", "是否享受低保": "否",
                          "是否参加大病保险": "是", "务工所在地": rng.choice(["", "浙江省", "广东省"]),
                          "是否参加新型农村合作医疗（城乡居民基本医疗保险）": "是"})  # fmt: skip
                mw.writerow([m[c] for c in MEMBER_HEADERS])
            made += size
    return h_path, m_path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--engine", default="sqlite")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    h_path, m_path = write_pair(out, args.persons)
    print(f"machine: {machine()}")
    size = (h_path.stat().st_size + m_path.stat().st_size) / 2**20
    print(f"files: {h_path.name} + {m_path.name}, GBK, {size:.1f} MiB, {args.persons:,} persons")
    url = fresh_database_url(args.engine, "jz_imp_bench_national")
    jingzhun(url, "migrate", "-v0")
    jingzhun(url, "regions", "load", "--extract")
    for label in ("fresh import", "re-import (unchanged)"):
        seconds, text = jingzhun(url, "import", str(h_path), "--members", str(m_path), "-v0")
        inside = float(re.search(r"用时 ([0-9.]+) 秒", text).group(1))
        print(f"{args.engine:<8} {label:<22} {args.persons / inside:9,.0f} persons/s in the import ({inside:.1f} s), "
              f"{args.persons / seconds:9,.0f} persons/s whole command ({seconds:.1f} s) — {text.strip()}")  # fmt: skip


if __name__ == "__main__":
    main()
