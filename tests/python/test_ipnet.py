"""bulwark.ipnet: core's IP sets, allow/deny rule and client address behind trusted proxies,
checked against Python's own ipaddress on random networks (both directions), and through the
C door with ctypes (the same answers)."""

import ctypes
import ipaddress
import random

import pytest

from bulwark.exceptions import InvalidInputError
from bulwark.ipnet import AccessList, IPSet, TrustedProxies, ip_set


def test_sets_agree_with_ipaddress_on_random_networks():
    rng = random.Random(7)
    nets = []
    for _ in range(300):
        if rng.random() < 0.5:
            prefix = rng.randint(8, 32)
            nets.append(ipaddress.ip_network((rng.getrandbits(32), prefix), strict=False))
        else:
            prefix = rng.randint(16, 128)
            nets.append(ipaddress.ip_network((rng.getrandbits(128), prefix), strict=False))
    s = ip_set(str(n) for n in nets)
    assert len(s) == 300
    probes = [n.network_address for n in nets] + [n.broadcast_address for n in nets]
    probes += [ipaddress.ip_address(rng.getrandbits(32)) for _ in range(2000)]
    probes += [ipaddress.ip_address(rng.getrandbits(128)) for _ in range(2000)]
    for p in probes:
        expected = any(p in n for n in nets if n.version == p.version)
        assert s.contains(str(p)) is expected, p
        assert (str(p) in s) is expected


def test_mapped_ipv6_ports_and_brackets():
    s = IPSet("192.0.2.0/24")
    assert s.contains("::ffff:192.0.2.9") and s.contains("192.0.2.9:8080")
    assert IPSet("2001:db8::/32").contains("[2001:db8::5]:443")


@pytest.mark.parametrize("bad", ["10.0.0.1/8", "10.0.0.0/33", "300.1.1.1", "host.example", "::/129", "1.2.3.4/-1"])
def test_malformed_networks_raise(bad):
    with pytest.raises(InvalidInputError):
        IPSet(bad)
    # Python's ipaddress refuses them too (strict): same verdict both ways.
    with pytest.raises(ValueError):
        ipaddress.ip_network(bad, strict=True)


def test_access_list():
    a = AccessList(allow=["192.0.2.0/24", "2001:db8::/32"], deny="192.0.2.66")
    assert a.permits("192.0.2.10") and a.permits("2001:db8::1")
    assert not a.permits("192.0.2.66") and not a.permits("198.51.100.1")
    assert AccessList().permits("198.51.100.1")
    assert not AccessList(allow=[]).permits("198.51.100.1")
    assert not AccessList(deny="0.0.0.0/0, ::/0").permits("2001:db8::1")
    with pytest.raises(InvalidInputError):
        a.permits("not-an-ip")
    with pytest.raises(TypeError):
        AccessList(allow=[1])


def test_trusted_proxies():
    peer = "10.0.0.5"
    spoof = {"X-Forwarded-For": "6.6.6.6"}
    assert TrustedProxies().client_address("198.51.100.1", spoof) == "198.51.100.1"
    nets = TrustedProxies(networks="10.0.0.0/8")
    assert nets.client_address(peer, {"x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.7"}) == "203.0.113.9"
    assert nets.client_address("198.51.100.1", spoof) == "198.51.100.1"
    assert TrustedProxies(hops=1).client_address(peer, {"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}) == "203.0.113.9"
    fwd = TrustedProxies(networks="10.0.0.0/8", header="Forwarded")
    assert fwd.client_address(peer, {"Forwarded": 'for="[2001:db8::17]:4711";proto=https'}) == "2001:db8::17"
    with pytest.raises(InvalidInputError):
        nets.client_address(peer, {"X-Forwarded-For": "unknown"})
    for bad in ({"hops": 33}, {"hops": 1, "networks": "10.0.0.0/8"}, {"hops": 1, "header": "X-Real-IP"}):
        with pytest.raises(InvalidInputError):
            TrustedProxies(**bad)
    with pytest.raises(TypeError):
        TrustedProxies(hops=-1)


def test_the_c_door_gives_the_same_answers(clib):
    c = ctypes
    lib = clib
    lib.bw_ip_set_new.argtypes = [c.c_char_p, c.c_size_t, c.POINTER(c.c_void_p)]
    lib.bw_ip_permitted.argtypes = [c.c_void_p, c.c_void_p, c.c_char_p, c.c_size_t, c.POINTER(c.c_bool)]
    lib.bw_ip_set_free.argtypes = [c.c_void_p]
    lib.bw_client_address.argtypes = [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                                      c.c_void_p, c.c_uint32, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)]
    allow = c.c_void_p()
    text = b"192.0.2.0/24, 2001:db8::/32"
    assert lib.bw_ip_set_new(text, len(text), c.byref(allow)) == 0
    py = AccessList(allow=text.decode())
    try:
        for addr in ["192.0.2.1", "192.0.2.255", "192.0.3.0", "2001:db8::1", "2001:db9::", "::ffff:192.0.2.4"]:
            out = c.c_bool()
            assert lib.bw_ip_permitted(allow, None, addr.encode(), len(addr), c.byref(out)) == 0
            assert out.value is py.permits(addr), addr
        buf = c.create_string_buffer(64)
        n = c.c_size_t()
        xff = b"6.6.6.6, 203.0.113.9"
        assert lib.bw_client_address(b"10.0.0.5", 8, b"X-Forwarded-For", 15, xff, len(xff), allow, 0, buf, 64,
                                     c.byref(n)) == 0
        assert buf.value == b"10.0.0.5"  # the peer is not in the trusted set: the header is ignored
        assert lib.bw_client_address(b"10.0.0.5", 8, b"X-Forwarded-For", 15, xff, len(xff), None, 1, buf, 64,
                                     c.byref(n)) == 0
        assert buf.value.decode() == TrustedProxies(hops=1).client_address("10.0.0.5", {"X-Forwarded-For": xff.decode()})
    finally:
        lib.bw_ip_set_free(allow)
