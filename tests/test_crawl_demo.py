"""`portal-evidence demo`: serves the bundled demo web, crawls it through the real code path, prints scores."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from crawl_helpers import CLI, crawl_env


def test_demo_crawls_the_bundled_web_and_prints_scores(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    env = crawl_env(None)
    done = subprocess.run([*CLI, "demo", "--db", f"sqlite:///{db}", "--render", "never"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Candidate scores" in done.stdout and "demo-harbourville" in done.stdout
    scores = subprocess.run([*CLI, "scores", "--db", f"sqlite:///{db}", "--format", "json"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert scores.returncode == 0, scores.stderr
    rows = {(r["portal"], r["indicator"]): r for r in json.loads(scores.stdout)}
    assert len(rows) == 3 * 9
    harbourville = [rows[("demo-harbourville", i)]["candidate"] for i in
                    ("accessibility_statement", "open_data", "e_participation", "contact_info")]
    assert harbourville == [1, 1, 1, 1]
    # The accessibility statement two clicks deep is the best evidence, not the page linking to it.
    best = rows[("demo-harbourville", "accessibility_statement")]["best_evidence_url"]
    assert best.endswith("/about/accessibility.html")
    # A link to the national data portal is not Villebelle's own open data.
    assert rows[("demo-villebelle", "open_data")]["candidate"] == 0
    assert rows[("demo-villaverde", "privacy_policy")]["candidate"] == 0
