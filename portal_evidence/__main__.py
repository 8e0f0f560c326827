"""`python -m portal_evidence` is the same as the `portal-evidence` console script."""

from portal_evidence.cli import main

main()
