"""Benchmark: CPU instructions the detectors execute for one pass over the shared corpus.

    python benchmarks/detector_instructions.py [CORPUS_DIR]

Wall-clock throughput (benchmarks/detector_throughput.py) moves by up to a third between runs
on a shared virtual machine; the number of instructions does not, so it is the measure to
compare two versions of the detectors by. The script runs itself under Valgrind's callgrind
(`apt-get install valgrind`): one untimed warm-up pass (imports, rules, language model,
caches), then one pass whose instructions alone are counted (collection is switched on only
inside `itertools.starmap`, which runs that pass and nothing else). Prints the instructions
per pass and per page. A script, not a test; it takes a few minutes (callgrind is ~50x slower).
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(REPO_ROOT))


def measured_pass(corpus_dir: Path) -> None:
    """Run inside callgrind: warm up, then one pass inside starmap (the only collected code)."""
    from detectors import detect, page_from_bytes
    from evaluation.corpus import load_corpus

    pages = [(page.uri(), page.path.read_bytes()) for page in load_corpus(corpus_dir)]
    for url, body in pages:
        detect(page_from_bytes(url, body))
    list(itertools.starmap(lambda url, body: detect(page_from_bytes(url, body)), pages))
    print(f"PAGES {len(pages)}")


def main(argv: list[str] | None = None) -> int:
    from evaluation.evaluate import SHARED_CORPUS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)  # the run under callgrind
    args = parser.parse_args(argv)
    if args.inside:
        measured_pass(args.corpus)
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("error: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [valgrind, "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=*starmap_next*",
             f"--callgrind-out-file={tmp}/callgrind.out", sys.executable, str(Path(__file__).resolve()),
             str(args.corpus), "--inside"],
            capture_output=True, text=True,
        )
    collected = re.search(r"Collected : (\d+)", done.stderr)
    pages = re.search(r"PAGES (\d+)", done.stdout)
    if done.returncode != 0 or not collected or not pages:
        print(f"error: the run under callgrind failed:\n{done.stderr[-800:]}", file=sys.stderr)
        return 1
    instructions, count = int(collected.group(1)), int(pages.group(1))
    print(f"corpus: {args.corpus} ({count} pages); Python {sys.version.split()[0]}")
    print(f"instructions for one warm pass: {instructions / 1e9:.3f} G ({instructions / count / 1e6:.1f} M per page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
