"""Build the shipped seed lists (seeds/national.csv, seeds/cities.csv) from the curated sources.

The sources are the `seeds-sources` folder shared with the project (`national_portals.csv`,
`city_portals.csv` and the README that documents where every URL comes from: the UNU-EGOV
extract of the UN E-Government Knowledge Base, GovHTTPS-Data, Govdirectory/Wikidata and stored
pages). Rows are copied as they are: same id, country, name, level, URL and languages, and
the `source` column is kept so every seed stays traceable. The only addition is `extra_hosts`
for a few portals whose other host the sources' README documents (a redirect target or the
same body's second host), so that a crawl that follows the redirect stays on the own web.

Usage:
    python -m seeds.build_from_sources PATH/TO/seeds-sources [--out DIR]

The result is checked with the project's strict loader before it is written.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from seeds.loader import SeedsError, load_seeds

OUTPUT_COLUMNS = ("id", "country", "name", "level", "url", "languages", "extra_hosts", "source")

# (source file, shipped file)
LISTS = (("national_portals.csv", "national.csv"), ("city_portals.csv", "cities.csv"))

# Hosts of the same portal named in the sources' README; each with the README's reason.
EXTRA_HOSTS: dict[str, tuple[str, ...]] = {
    # README: "peru.gob.pe to gob.pe" (redirect); Wikidata P856 gives https://www.gob.pe/.
    "per-national": ("gob.pe",),
    # README: "government.kz to gov.kz" (redirect).
    "kaz-national": ("gov.kz",),
    # README: Wikidata P856 alternate https://www.gub.uy/ for the seed portal.gub.uy.
    "ury-national": ("gub.uy",),
    # README: "GovHTTPS also lists www.capital.sp.gov.br" for the São Paulo city government.
    "bra-sao-paulo": ("capital.sp.gov.br",),
}


def build(sources: Path, out_dir: Path) -> dict[str, int]:
    """Write the shipped lists into `out_dir`; return rows written per file."""
    written: dict[str, int] = {}
    for source_name, target_name in LISTS:
        with open(sources / source_name, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        target = out_dir / target_name
        tmp = target.with_suffix(".csv.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                out = {column: (row.get(column) or "").strip() for column in OUTPUT_COLUMNS}
                out["extra_hosts"] = ";".join(EXTRA_HOSTS.get(out["id"], ()))
                writer.writerow(out)
        # Refuse to ship a list that the crawl itself would refuse.
        try:
            load_seeds(tmp)
        except SeedsError:
            tmp.unlink()
            raise
        tmp.replace(target)
        written[target_name] = len(rows)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path, help="the seeds-sources folder")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="where to write national.csv and cities.csv (default: this package)")
    args = parser.parse_args(argv)
    missing = [name for name, _ in LISTS if not (args.sources / name).is_file()]
    if missing:
        print(f"error: {args.sources}: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        written = build(args.sources, args.out)
    except SeedsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, count in written.items():
        print(f"{args.out / name}: {count} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
