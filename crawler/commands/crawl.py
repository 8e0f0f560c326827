"""`scrapy crawl portal -a seeds=FILE`: Scrapy's own crawl command, with the seeds file checked first.

A bad seeds file is refused before Scrapy starts, with the same one-line message and exit code 2
as `portal-evidence crawl`, instead of a traceback from inside the spider's construction.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from seeds.loader import SeedsError, load_seeds

EXIT_BAD_INPUT = 2


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and args[0] == "portal":
            seeds = opts.spargs.get("seeds")
            if not seeds:
                self._refuse("the portal spider needs a seeds file: -a seeds=FILE.csv")
                return
            try:
                load_seeds(seeds)
            except SeedsError as exc:
                self._refuse(str(exc))
                return
        super().run(args, opts)

    def _refuse(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = EXIT_BAD_INPUT
