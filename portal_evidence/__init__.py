"""portal-evidence: gather evidence of e-government features from government web portals."""

__version__ = "0.1.0"
