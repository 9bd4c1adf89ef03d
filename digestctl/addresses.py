"""Which IP addresses a fetch of a discovered URL may connect to (pure).

The guard against server-side request forgery (SECURITY.md): a link or redirect found in
fetched content must not make digestctl talk to the machine itself, the LAN, or a cloud
metadata service. Addresses are judged after resolution, so every spelling of a host
(`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`, `localhost`) meets the same check.
"""

from __future__ import annotations

import ipaddress

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IANA's special-purpose registries (RFC 6890 and successors), spelled out rather than
# taken from `ipaddress.is_global`, whose answers changed between Python versions (and
# which calls multicast global).
_SPECIAL_V4: tuple[tuple[_V4, str], ...] = tuple(
    (_V4(net), what)
    for net, what in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "private"),  # carrier-grade NAT (RFC 6598)
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
        ("192.0.2.0/24", "reserved"),  # documentation
        ("192.88.99.0/24", "reserved"),  # deprecated 6to4 relays
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved"),  # benchmarking
        ("198.51.100.0/24", "reserved"),
        ("203.0.113.0/24", "reserved"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
    )
)
_SPECIAL_V6: tuple[tuple[_V6, str], ...] = tuple(
    (_V6(net), what)
    for net, what in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "private"),  # local-use NAT64 (RFC 8215)
        ("100::/64", "reserved"),  # discard-only
        ("2001::/23", "reserved"),  # IETF protocol assignments, Teredo included
        ("2001:db8::/32", "reserved"),  # documentation
        ("fc00::/7", "private"),  # unique local
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private"),  # deprecated site-local
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST = _V6("2000::/3")
_MAPPED = _V6("::ffff:0:0/96")
_COMPATIBLE = _V6("::/96")  # deprecated IPv4-compatible (::a.b.c.d)
_NAT64 = _V6("64:ff9b::/96")  # RFC 6052: a public IPv4 address seen from an IPv6-only net
_SIX_TO_FOUR = _V6("2002::/16")


def address_kind(address: str) -> str | None:
    """What makes `address` off limits for a discovered URL ("loopback", "private",
    "link-local", "unspecified", "multicast", "broadcast", "reserved"), or None for a
    public address. Something that is not an IP address at all is "reserved"."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0: the zone is local
    except ValueError:
        return "reserved"
    if isinstance(ip, ipaddress.IPv4Address):
        return _kind_v4(ip)
    embedded = _embedded_v4(ip)
    if embedded is not None:
        return _kind_v4(embedded)
    for net, what in _SPECIAL_V6:
        if ip in net:
            return what
    return None if ip in _GLOBAL_UNICAST else "reserved"


def is_public_address(address: str) -> bool:
    """Whether a discovered URL may connect to `address`."""
    return address_kind(address) is None


def _kind_v4(ip: ipaddress.IPv4Address) -> str | None:
    for net, what in _SPECIAL_V4:
        if ip in net:
            return what
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, compatible, NAT64, 6to4): the
    connection reaches that host, so that is the one to judge."""
    if ip in _MAPPED:
        return ip.ipv4_mapped
    if ip in _COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None
