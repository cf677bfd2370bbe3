"""The client's address: the connection's peer, or, when the peer is a trusted proxy, the address it saw.

Each proxy appends the address it received the request from to ``X-Forwarded-For``, so the list ends with the
nearest hop. Read from the right, every entry added by a trusted proxy is believed, up to the first address that is
not a trusted proxy: that is the client. Whatever a client writes into the header itself stands to the left of it,
and is never read. ``Forwarded`` (RFC 7239) is not read: the proxies this project is deployed behind set
``X-Forwarded-For``, and believing two headers would let a client choose the one its proxy leaves alone.
"""

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

FORWARDED_FOR = "X-Forwarded-For"

Network = IPv4Network | IPv6Network


def client_address(peer: str, forwarded_for: Iterable[str], trusted_proxies: Sequence[Network]) -> str:
    """The client's address, from the connection's ``peer`` and the ``X-Forwarded-For`` header's values."""
    if not trusted_proxies or not is_trusted(parsed(peer), trusted_proxies):
        return peer
    address = peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        hop_address = parsed(hop)
        if hop_address is None:
            break  # not an address: the last hop a trusted proxy vouched for is as far as the header is believed
        address = str(hop_address)
        if not is_trusted(hop_address, trusted_proxies):
            break
    return address


def parsed(address: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(address.strip("[]"))
    except ValueError:
        return None


def is_trusted(address: IPv4Address | IPv6Address | None, trusted_proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted_proxies)
