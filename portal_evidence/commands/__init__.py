"""One module per CLI command; each defines a click command that `portal_evidence.cli` registers."""
