"""A portal's own web (contract): the seed host without a leading `www.`, all its subdomains,
and the seed's `extra_hosts` with theirs.

Only the own web is crawled and only its evidence can make a candidate 1, so this is the one
place that answers "is this URL ours?". Ports matter only where the seed names one: tests
serve several portals on one loopback address with different ports, and those must stay
different own webs; a seed without a port accepts its hosts on any port.

One refinement keeps the rule meaningful for real national portals: when the host is itself
a public suffix (`www.gov.uk` -> `gov.uk`, `gob.pe`, `gov.pl`: 32 of the 193 shipped national
seeds), "all of its subdomains" would be every council and agency registered under it, other
organisations with their own portals. For such a host the own web is the host and its `www.`
only. The public suffix list is tldextract's bundled snapshot; nothing is fetched.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from seeds.loader import Seed

_WEB_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class HostRule:
    """A host, with its subdomains unless `subdomains` is false, on one port if `port` is set."""

    host: str
    port: int | None = None
    subdomains: bool = True

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and port != self.port:
            return False
        if host == self.host:
            return True
        if self.subdomains:
            return host.endswith("." + self.host)
        return host == "www." + self.host


def _canonical_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        # Internationalised names compare in their ASCII (punycode) form, as on the wire.
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


_psl_lock = threading.Lock()
_extractor: Any = None


def is_public_suffix(host: str) -> bool:
    """Whether `host` is a public suffix itself (gov.uk, gob.pe, github.io), per the bundled PSL."""
    global _extractor
    if _extractor is None:
        with _psl_lock:
            if _extractor is None:
                import tldextract

                # No URLs: the bundled snapshot only, never a network fetch or a cache write.
                _extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                                   include_psl_private_domains=True)
    result = _extractor(host)
    return bool(result.suffix) and not result.domain


def _rule(netloc_or_url: str, *, strip_www: bool) -> HostRule:
    target = netloc_or_url if "://" in netloc_or_url else f"http://{netloc_or_url}/"
    parts = urlsplit(target)
    if not parts.hostname:
        raise ValueError(f"no host in {netloc_or_url!r}")
    host = _canonical_host(parts.hostname)
    if strip_www and host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    return HostRule(host, parts.port, subdomains=not is_public_suffix(host))


@dataclass(frozen=True)
class OwnWeb:
    """A set of host rules; `OwnWeb(["example.org", "127.0.0.1:8001"])` also accepts plain
    `host[:port]` strings (taken as written, no `www.` stripping)."""

    hosts: tuple[HostRule, ...]

    def __post_init__(self) -> None:
        rules = tuple(
            h if isinstance(h, HostRule) else _rule(str(h), strip_www=False) for h in self.hosts
        )
        object.__setattr__(self, "hosts", tuple(dict.fromkeys(rules)))

    @classmethod
    def for_url(cls, url: str, extra_hosts: tuple[str, ...] | list[str] = ()) -> OwnWeb:
        """The own web of a portal known only by a URL (e.g. `detect --url`)."""
        rules = [_rule(url, strip_www=True)]
        rules.extend(_rule(host, strip_www=False) for host in extra_hosts)
        return cls(tuple(rules))

    @classmethod
    def for_seed(cls, seed: Seed) -> OwnWeb:
        return cls.for_url(seed.url, seed.extra_hosts)

    def __str__(self) -> str:
        return ", ".join(
            (r.host if r.subdomains else f"{r.host} (www. only)") + ("" if r.port is None else f":{r.port}")
            for r in self.hosts
        )

    def contains(self, url: str) -> bool:
        """Whether `url` (http or https) lies on this own web."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme not in _WEB_SCHEMES or not parts.hostname:
            return False
        if port is None:
            port = 443 if scheme == "https" else 80
        host = _canonical_host(parts.hostname)
        return any(rule.matches(host, port) for rule in self.hosts)
