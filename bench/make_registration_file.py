"""Write a national-layout registration file of any size from the demo-data distributions (no database needed).

Usage: python bench/make_registration_file.py OUT.csv|OUT.xlsx --persons 1000000 [--seed 1] [--year 2016]
The households are spread over the villages of the committed 雷山县 extract (or --villages FILE.csv with
code,name rows); rows are streamed, so memory does not grow with the file.
"""

import argparse
import csv
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")


def payload_rows(persons: int, seed: int, year: int, villages: list[str]):
    from jingzhun.imports.layout import flat_rows
    from jingzhun.registry.demo import DemoGenerator

    gen = DemoGenerator(seed=seed, years=[year], address_code=villages[0][:6])
    written = households = 0
    while written < persons:
        rows = flat_rows(gen.household(gen.rng.choice(villages)))
        households += 1
        written += len(rows)
        yield from rows
    print(f"{households:,} households, {written:,} persons", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2016)
    parser.add_argument("--villages", type=Path)
    args = parser.parse_args()
    import django

    django.setup()
    from jingzhun.imports.layout import FLAT_COLUMNS
    from jingzhun.regions import services

    source = args.villages or services.EXTRACT_DIR / "extract-522634.csv"
    villages = [code for code, _ in services.rows_from_csv(source) if "200" <= code[9:] < "400"]  # 村委会
    rows = payload_rows(args.persons, args.seed, args.year, villages)
    if args.out.suffix == ".csv":
        with args.out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.header for c in FLAT_COLUMNS])
            writer.writerows(rows)
    else:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(args.out), {"constant_memory": True})
        sheet = book.add_worksheet("登记表")
        sheet.write_row(0, 0, [c.header for c in FLAT_COLUMNS])
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif value is not None:
                    sheet.write_number(r, c, value)
        book.close()


if __name__ == "__main__":
    main()
