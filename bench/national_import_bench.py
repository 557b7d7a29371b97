"""Import speed of the national system's layout (户年度基础信息 + 人员信息, GBK CSV, regions by name) against our
own flat layout, in the same run and on the same engine.

Writes a pair for N persons over the villages of the demo extract (雷山县), named as the national files name
them (西门村 for 西门村村民委员会), with the optional 脱贫状态 / 识别年度 / 脱贫年度 columns (so the status history is
loaded, ``--history-year``) and a bank account per household (stored encrypted after the import); and a flat
registration file of the same number of persons (``make_registration_file.py``). Each is imported ``--runs``
times into a fresh database with ``jingzhun import`` (on PostgreSQL as the application role of
``import_bench.py``); the median of the import's own time (start-up excluded) gives persons/s, with the whole
command's, the peak RSS, and the national import's speed as a share of the flat one's. Then the national pair
is imported again, unchanged.

Usage: python bench/national_import_bench.py [--persons 50000] [--engines sqlite,postgres] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
from pathlib import Path

from _common import ROOT, machine
from import_bench import APP_ROLE, HISTORY, fresh_registry, grant_app_role, timed_with_rss

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

    header = [*HOUSEHOLD_HEADERS, "脱贫状态", "识别年度", "脱贫年度"]

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
        hw.writerow(header)
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
            h = dict.fromkeys(header, "")
            h.update(zip(["省", "市", "县", "乡", "村"], place, strict=True))
            h.update({"户编号": number, "户主姓名": people[0][0], "户主证件号码": people[0][1], "家庭人口数": size,
                      "年度": 2016, "识别标准": "国家标准", "主要致贫原因": rng.choice(["因病", "缺技术", "缺资金"]),
                      "工资性收入": rng.randint(0, 20000), "生产经营性收入": rng.randint(0, 5000),
                      "是否解决安全饮用水": "是", "入户路类型": "水泥路", "主要燃料类型": "柴草",
                      "开户银行名称": "农村信用社", "银行卡号": f"6217{serial:015d}"})  # fmt: skip
            exited = rng.random() < 0.6  # 2016's registry: most households out by the data year
            h.update({"识别年度": 2014, "脱贫状态": rng.choice(["1", "4"]) if exited else "0",
                      "脱贫年度": rng.randint(2015, 2016) if exited else ""})  # fmt: skip
            hw.writerow([h[c] for c in header])
            for k, (name, id_number, relation) in enumerate(people):
                m = dict.fromkeys(MEMBER_HEADERS, "")
                m.update(zip(["省", "市", "县", "乡", "村"], place, strict=True))
                m.update({"户编号": number, "人口编号": f"{number}{k:02d}", "姓名": name, "证件号码": id_number,
                          "民族": "苗族", "与户主关系": relation, "文化程度": rng.choice(EDUCATION),
                          "劳动技能": "普通劳动力", "健康状况": "健康", "政治面貌": "群众", "是否享受低保": "否",
                          "是否参加大病保险": "是", "是否参加城乡居民基本养老保险": "是",
                          "是否参加城镇职工基本医疗保险": "否", "务工所在地": rng.choice(["", "浙江省", "广东省"]),
                          "是否参加新型农村合作医疗（城乡居民基本医疗保险）": "是"})  # fmt: skip
                mw.writerow([m[c] for c in MEMBER_HEADERS])
            made += size
    return h_path, m_path


def _runs(engine: str, runs: int, *args: str) -> tuple[float, float, float, str]:
    """``runs`` imports, each into a fresh database: median whole-command s, median in-import s, peak MiB, and
    the url of the last database."""
    done = []
    for _ in range(runs):
        url = fresh_registry(engine, "jz_imp_bench_national", APP_ROLE if engine == "postgres" else None)
        seconds, peak, text = timed_with_rss(url, "import", *args, "-v0", *HISTORY)
        done.append((seconds, float(re.search(r"用时 ([0-9.]+) 秒", text).group(1)), peak))
    return (statistics.median(d[0] for d in done), statistics.median(d[1] for d in done),
            max(d[2] for d in done), url)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--runs", type=int, default=3, help="imports of each file per engine; medians reported"
    )
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    h_path, m_path = write_pair(out, args.persons)
    flat = out / f"registration-{args.persons}.csv"
    if not flat.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_registration_file.py"), str(flat),
                        "--persons", str(args.persons)], check=True)  # fmt: skip
    biggest = max(f.stat().st_size for f in (h_path, m_path, flat))
    os.environ["JINGZHUN_IMPORT_MAX_MB"] = str(max(100, int(biggest / 2**20) + 1))
    print(f"machine: {machine()}")
    size = (h_path.stat().st_size + m_path.stat().st_size) / 2**20
    print(f"national: {h_path.name} + {m_path.name}, GBK, {size:.1f} MiB, {args.persons:,} persons")
    print(f"flat: {flat.name}, UTF-8, {flat.stat().st_size / 2**20:.1f} MiB, {args.persons:,} persons")
    for engine in args.engines.split(","):
        if engine == "postgres":
            grant_app_role()
        rates = {}
        for label, files in (("flat", (str(flat),)), ("national", (str(h_path), "--members", str(m_path)))):
            whole, inside, peak, url = _runs(engine, args.runs, *files)
            rates[label] = args.persons / inside
            print(f"{engine:<8} {label:<8} {args.persons / inside:9,.0f} persons/s in the import ({inside:.1f} s), "
                  f"{args.persons / whole:9,.0f} persons/s whole command ({whole:.1f} s), "
                  f"peak RSS {peak:,.0f} MiB")  # fmt: skip
        _whole, peak, text = timed_with_rss(
            url, "import", str(h_path), "--members", str(m_path), "-v0", *HISTORY
        )
        again = float(re.search(r"用时 ([0-9.]+) 秒", text).group(1))
        print(
            f"{engine:<8} national re-import (unchanged): {again:.1f} s in the import, peak RSS {peak:,.0f} MiB"
        )
        print(f"{engine:<8} national / flat: {rates['national'] / rates['flat']:.2f}")


if __name__ == "__main__":
    main()
