"""A portal's own web: seed host without www., its subdomains, extra hosts, ports where given."""

from __future__ import annotations

import pytest

from seeds.loader import Seed
from seeds.ownweb import HostRule, OwnWeb, is_public_suffix


def seed(url: str, extra_hosts: tuple[str, ...] = ()) -> Seed:
    return Seed(id="p", country="XXX", name="P", level="city", url=url, extra_hosts=extra_hosts)


@pytest.mark.parametrize(
    "url,inside",
    [
        ("https://www.ahlen.de/start", True),
        ("http://ahlen.de/", True),
        ("https://buergerservice.ahlen.de/a?b=c", True),
        ("https://deep.sub.ahlen.de:8443/", True),
        ("HTTPS://WWW.AHLEN.DE/X", True),
        ("https://ahlen.de./trailing-dot", True),
        ("https://user:pw@ahlen.de/", True),
        ("https://notahlen.de/", False),
        ("https://ahlen.de.evil.example/", False),
        ("https://ahlen.de@evil.example/", False),
        ("ftp://ahlen.de/file", False),
        ("mailto:info@ahlen.de", False),
        ("javascript:alert(1)", False),
        ("/relative/path", False),
        ("https://ahlen.de:bad/", False),
        ("", False),
    ],
)
def test_seed_host_without_www_and_subdomains(url, inside):
    assert OwnWeb.for_seed(seed("https://www.ahlen.de/")).contains(url) is inside


def test_seed_on_a_subdomain_does_not_cover_its_parent():
    web = OwnWeb.for_url("https://portal.gub.uy/")
    assert web.contains("https://portal.gub.uy/x")
    assert web.contains("https://tramites.portal.gub.uy/")
    assert not web.contains("https://www.gub.uy/")


def test_extra_hosts_and_their_subdomains():
    web = OwnWeb.for_seed(seed("https://www.paris.fr/", ("opendata.paris.fr", "paris-data.example")))
    assert web.contains("https://opendata.paris.fr/explore")
    assert web.contains("https://paris-data.example/")
    assert web.contains("https://api.paris-data.example/v1")
    assert not web.contains("https://www.data.gouv.fr/")


def test_ports_separate_portals_on_one_loopback_address():
    a = OwnWeb.for_url("http://127.0.0.1:8001/")
    b = OwnWeb.for_url("http://127.0.0.1:8002/")
    assert a.contains("http://127.0.0.1:8001/page") and not a.contains("http://127.0.0.1:8002/page")
    assert b.contains("http://127.0.0.1:8002/page") and not b.contains("http://127.0.0.1:8001/page")
    assert not a.contains("http://127.0.0.1/page")


def test_explicit_port_applies_to_subdomains_too():
    web = OwnWeb.for_url("http://portal.localhost:8001/")
    assert web.contains("http://data.portal.localhost:8001/")
    assert not web.contains("http://data.portal.localhost:8002/")


def test_extra_host_with_port():
    web = OwnWeb.for_seed(seed("http://127.0.0.1:8001/", ("127.0.0.1:8005",)))
    assert web.contains("http://127.0.0.1:8005/data")
    assert not web.contains("http://127.0.0.1:8006/data")


def test_no_port_in_seed_accepts_any_port_of_its_hosts():
    web = OwnWeb.for_url("https://city.example/")
    assert web.contains("http://city.example:8080/")
    assert web.contains("https://city.example:443/")


def test_ipv6_and_internationalised_hosts():
    assert OwnWeb.for_url("http://[::1]:8000/").contains("http://[::1]:8000/a")
    web = OwnWeb.for_url("https://www.münchen.de/")
    assert web.contains("https://xn--mnchen-3ya.de/rathaus")
    assert web.contains("https://stadt.münchen.de/")


def test_public_suffix_seed_covers_only_itself_and_www():
    web = OwnWeb.for_url("https://www.gov.uk/")
    assert web.contains("https://www.gov.uk/apply")
    assert web.contains("https://gov.uk/")
    # Councils under gov.uk are other organisations with their own portals.
    assert not web.contains("https://www.manchester.gov.uk/")
    assert not web.contains("https://manchester.gov.uk/")


def test_public_suffix_extra_host():
    web = OwnWeb.for_seed(seed("http://www.peru.gob.pe", ("gob.pe",)))
    assert web.contains("https://www.gob.pe/institucion")
    assert web.contains("https://tramites.peru.gob.pe/")
    assert not web.contains("https://www.munlima.gob.pe/")


def test_is_public_suffix():
    assert is_public_suffix("gov.uk") and is_public_suffix("gob.pe") and is_public_suffix("github.io")
    assert not is_public_suffix("ahlen.de") and not is_public_suffix("127.0.0.1")
    assert not is_public_suffix("localhost")


def test_built_from_plain_host_strings():
    web = OwnWeb(("example.org", "127.0.0.1:8001", HostRule("data.example.net")))
    assert web.contains("https://www.example.org/") and web.contains("http://127.0.0.1:8001/")
    assert web.contains("https://x.data.example.net/") and not web.contains("http://127.0.0.1:8002/")
    assert "127.0.0.1:8001" in str(web)


def test_own_webs_are_values():
    assert OwnWeb.for_url("https://www.a.example/") == OwnWeb.for_url("http://a.example/other")
    assert hash(OwnWeb.for_url("https://a.example/")) == hash(OwnWeb(("a.example",)))
