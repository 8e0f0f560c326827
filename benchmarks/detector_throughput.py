"""Benchmark: detector throughput (decode + detect) on one core over the shared real-world corpus.

    python benchmarks/detector_throughput.py [CORPUS_DIR] [--passes 5]

Every page is read into memory first, so the figure measures the detectors, not the disk. The
process is pinned to one CPU (where the OS allows it), one untimed warm-up pass loads what is
loaded once per process (rules, language model), and then every page goes through
`detect(page_from_bytes(url, body))` in several timed passes. Each pass is timed twice: by the
CPU time of the process (what one core spends on the pages: the throughput of one core) and by
the wall clock (the same on an idle machine; on a shared one it also counts the time the
process waited for its CPU). Prints pages/s per pass, the medians, and the process's peak RSS
(ru_maxrss). The issue's bar is >= 100 pages/s on one core; the exit code is 1 below it. A
script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from detectors import detect, page_from_bytes  # noqa: E402  (after the path fix above)
from evaluation.corpus import CorpusError, load_corpus  # noqa: E402
from evaluation.evaluate import SHARED_CORPUS  # noqa: E402

BAR_PAGES_PER_SECOND = 100.0


def pin_to_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError) as exc:  # not Linux, or not permitted
        return f"not pinned ({exc.__class__.__name__})"


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args(argv)
    if args.passes < 1:
        parser.error("--passes must be at least 1")
    try:
        corpus = load_corpus(args.corpus)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pinning = pin_to_one_core()
    pages = [(page.uri(), page.path.read_bytes()) for page in corpus]
    megabytes = sum(len(body) for _, body in pages) / 1e6
    rss_before = peak_rss_mib()
    # Warm-up, untimed: one whole pass, so that everything loaded once per process (the rules,
    # compiled; the language-identification model, needed only by pages without a usable
    # `lang`) is loaded before the timed passes, as in a crawl that has been running a while.
    for url, body in pages:
        detect(page_from_bytes(url, body))

    rates: list[float] = []  # pages per CPU second
    wall_rates: list[float] = []  # pages per wall-clock second
    for number in range(1, args.passes + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        for url, body in pages:
            detect(page_from_bytes(url, body))
        cpu = time.process_time() - started_cpu
        seconds = time.perf_counter() - started
        rates.append(len(pages) / cpu)
        wall_rates.append(len(pages) / seconds)
        print(f"pass {number}: {len(pages)} pages in {cpu:.2f} s of CPU = {rates[-1]:.1f} pages/s "
              f"({seconds:.2f} s wall clock = {wall_rates[-1]:.1f} pages/s)")
    median = statistics.median(rates)
    print(f"corpus: {corpus.root} ({len(pages)} pages, {megabytes:.1f} MB in memory); {pinning}; "
          f"Python {sys.version.split()[0]}")
    print(f"throughput on one core (CPU time): median {median:.1f} pages/s, best {max(rates):.1f}, "
          f"worst {min(rates):.1f} ({median * megabytes / len(pages):.2f} MB/s)")
    print(f"throughput by the wall clock: median {statistics.median(wall_rates):.1f} pages/s, "
          f"best {max(wall_rates):.1f}, worst {min(wall_rates):.1f}")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB (after loading the pages: {rss_before:.0f} MiB)")
    verdict = "meets" if median >= BAR_PAGES_PER_SECOND else "BELOW"
    print(f"bar >= {BAR_PAGES_PER_SECOND:.0f} pages/s: {verdict}")
    return 0 if median >= BAR_PAGES_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
