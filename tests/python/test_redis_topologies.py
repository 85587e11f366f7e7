"""Redis as it runs in production, from Python, on real servers started by the test run: TLS and
mutual TLS, a Redis Cluster, a Sentinel-watched master (shared ones from tests/with-redis.sh), and
private ones this file starts to break: a cluster master and a sentinel master killed mid-run, a
server stopped with SIGSTOP. Exact admission across two processes on each topology, the replay
guard across processes on the cluster, the wrong CA refused, bad settings refused at construction,
the circuit breaker, and the deny cache's round trips counted by Redis itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import bulwark
from bulwark import _native, otp, ratelimit
from bulwark.ratelimit import storage as limits_storage
from bulwark.ratelimit import strategies

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import redis_topologies  # noqa: E402

#: A deadline for correctness, not speed: a loaded CI machine may take a while over a TLS handshake.
SLOW_OK = 5.0

TOPOLOGIES = ["BULWARK_REDIS_URL", "BULWARK_REDIS_TLS_URL", "BULWARK_REDIS_MTLS_URL", "BULWARK_REDIS_CLUSTER_URL",
              "BULWARK_REDIS_SENTINEL_URL"]


def _url(var: str) -> str:
    url = os.environ.get(var)
    if not url:
        pytest.skip(f"{var} not set: run through `make test` (tests/with-redis.sh starts every topology)")
    return url


def _prefix() -> str:
    return f"pytopo:{uuid.uuid4().hex[:10]}:"


WORKER = """
import json, sys
from bulwark import ratelimit
url, prefix, strategy, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rl = ratelimit.RateLimiter(url, strategy, prefix=prefix, timeout=5.0)
got = [rl.hit("shared-client", "25/hour", "1000/day") for _ in range(n)]
print(json.dumps({"allowed": sum(d.allowed for d in got), "errors": [d.backend_error for d in got if d.backend_error]}))
"""


def _two_processes(url: str, prefix: str, strategy: str, n: int) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, prefix, strategy, str(n)], stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    out = []
    for p in procs:
        stdout, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        out.append(json.loads(stdout))
    return out


@pytest.mark.parametrize("var", TOPOLOGIES)
@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "gcra"])
def test_two_processes_share_one_limit_exactly(var, strategy):
    url = _url(var)
    results = _two_processes(url, _prefix(), strategy, 40)
    assert [r["errors"] for r in results] == [[], []]
    assert sum(r["allowed"] for r in results) == 25


@pytest.mark.parametrize("var", TOPOLOGIES)
def test_limits_storages_on_every_topology(var):
    url = _url(var)
    st = limits_storage.storage_from_string(url, key_prefix=_prefix().rstrip(":"), socket_timeout=SLOW_OK)
    assert st.check()
    item = ratelimit.parse("3/minute")
    for limiter in (strategies.FixedWindowRateLimiter(st), strategies.MovingWindowRateLimiter(st),
                    strategies.SlidingWindowCounterRateLimiter(st)):
        assert [limiter.hit(item, "who", "what") for _ in range(4)] == [True, True, True, False]
        stats = limiter.get_window_stats(item, "who", "what")
        assert stats.remaining == 0 and stats.reset_time > time.time()
        limiter.clear(item, "who", "what")
        assert limiter.test(item, "who", "what")
    assert strategies.MovingWindowRateLimiter(st).hit(item, "left", "over")
    assert strategies.FixedWindowRateLimiter(st).hit(item, "left", "over")
    assert st.reset() >= 2
    assert st.get("anything") == 0


def test_cluster_and_sentinel_storage_classes():
    cluster = _url("BULWARK_REDIS_CLUSTER_URL")
    sentinel = _url("BULWARK_REDIS_SENTINEL_URL")
    assert isinstance(limits_storage.storage_from_string(cluster), limits_storage.RedisClusterStorage)
    s = limits_storage.storage_from_string(sentinel)
    assert isinstance(s, limits_storage.RedisSentinelStorage)
    # The service as a keyword, as limits takes it.
    base = sentinel.rsplit("/", 1)[0]
    named = limits_storage.RedisSentinelStorage(base, service_name="mymaster")
    assert named.check()
    with pytest.raises(ratelimit.errors.ConfigurationError):
        limits_storage.RedisSentinelStorage(sentinel, service_name="other")
    with pytest.raises(ratelimit.errors.ConfigurationError):
        limits_storage.RedisClusterStorage(cluster, bogus_option=1)


def test_replay_guard_refuses_a_replayed_code_across_processes_on_the_cluster():
    url = _url("BULWARK_REDIS_CLUSTER_URL")
    secret = otp.random_base32()
    code = otp.TOTP(secret).now()
    account = f"acct-{uuid.uuid4().hex}"
    script = ("import sys\nfrom bulwark import otp\n"
              "g = otp.ReplayGuard(sys.argv[1], timeout=5.0)\n"
              "try:\n    g.verify(otp.TOTP(sys.argv[2]), sys.argv[3], sys.argv[4]); print('ok')\n"
              "except otp.ReplayedCodeError:\n    print('replayed')\n")
    outs = [subprocess.run([sys.executable, "-c", script, url, secret, account, code], capture_output=True,
                           text=True, timeout=60).stdout.strip() for _ in range(2)]
    assert outs == ["ok", "replayed"]


def test_tls_refuses_the_wrong_ca_and_a_missing_client_certificate():
    tls = _url("BULWARK_REDIS_TLS_URL")
    d = Path(os.environ["BULWARK_REDIS_TLS_DIR"])
    wrong = tls.replace(str(d / "ca.crt"), str(d / "other-ca.crt"))
    d1 = ratelimit.RateLimiter(wrong, "fixed-window", timeout=SLOW_OK).hit("k", "5/minute")
    assert not d1.allowed and "certificate" in d1.backend_error
    mtls = _url("BULWARK_REDIS_MTLS_URL").split("&")[0]  # without the client certificate
    d2 = ratelimit.RateLimiter(mtls, "fixed-window", timeout=SLOW_OK).hit("k", "5/minute")
    assert not d2.allowed and d2.backend_error
    # The files as keywords instead of the query: the same server, verified.
    host = tls.split("?")[0]
    rl = ratelimit.RateLimiter(host, "fixed-window", prefix=_prefix(), ssl_ca_certs=d / "ca.crt", timeout=SLOW_OK)
    assert rl.hit("k", "5/minute").backend_error is None
    # The replay guard takes them too.
    guard = otp.ReplayGuard(host, ssl_ca_certs=str(d / "ca.crt"), timeout=SLOW_OK)
    t = otp.TOTP(otp.random_base32())
    assert guard.verify(t, f"a-{uuid.uuid4().hex}", t.now()) > 0


@pytest.mark.parametrize(("uri", "kwargs", "words"), [
    ("rediss://localhost:1/0?ssl_ca_certs=/nonexistent/ca.pem", {}, "/nonexistent/ca.pem"),
    ("rediss://localhost:1/0", {"ssl_certfile": "/nonexistent/c.pem", "ssl_keyfile": "/nonexistent/k.pem"},
     "/nonexistent/c.pem"),
    ("rediss://localhost:1/0?ssl_cert_reqs=none", {}, "insecure_skip_verify"),
    ("rediss://localhost:1/0", {"ssl_cert_reqs": "optional"}, "insecure_skip_verify"),
    ("redis://localhost:1/0?ssl_ca_certs=/x", {}, "TLS URI"),
    ("redis://localhost:1/0?frobnicate=1", {}, "unknown Redis URI option"),
    ("redis+sentinel://localhost:26379", {}, "service name"),
    ("redis+cluster://localhost:7000/2", {}, "database 0"),
    ("redis+zookeeper://localhost", {}, "unknown"),
    ("redis://localhost:99999/0", {}, "port"),
    ("redis://localhost:1/0", {"local_share": 0.0}, "local_share"),
    ("redis://localhost:1/0", {"breaker_cooldown": -1}, "breaker_cooldown"),
])
def test_bad_redis_settings_are_refused_at_construction(uri, kwargs, words):
    with pytest.raises((bulwark.InvalidInputError, ValueError)) as e:
        ratelimit.RateLimiter(uri, "fixed-window", **kwargs)
    assert words in str(e.value)


def test_ssl_cert_reqs_as_redis_py_spells_it():
    import ssl

    ratelimit.RateLimiter("rediss://localhost:1/0", ssl_cert_reqs=ssl.CERT_REQUIRED)
    ratelimit.RateLimiter("rediss://localhost:1/0", ssl_cert_reqs="required")
    with pytest.raises(bulwark.InvalidInputError):
        ratelimit.RateLimiter("rediss://localhost:1/0", ssl_cert_reqs=ssl.CERT_NONE)
    with pytest.raises(ratelimit.errors.ConfigurationError, match="insecure_skip_verify"):
        limits_storage.RedisStorage("rediss://localhost:1/0", ssl_cert_reqs="none")
    limits_storage.RedisStorage("rediss://localhost:1/0", ssl=True, ssl_cert_reqs="required")


def test_tls_settings_for_a_memory_store_are_refused():
    for make in (lambda: ratelimit.RateLimiter("memory://", ssl_ca_certs="/etc/ca.pem"),
                 lambda: otp.ReplayGuard("memory://", insecure_skip_verify=True),
                 lambda: _native.LimitsStorage("memory://", ssl_ca_certs="/etc/ca.pem")):
        with pytest.raises(bulwark.InvalidInputError, match="TLS"):
            make()


def test_unknown_redis_keywords_are_type_errors():
    with pytest.raises(TypeError, match="ssl_ca_cert"):
        ratelimit.RateLimiter("redis://localhost:1/0", ssl_ca_cert="/x")  # a typo of ssl_ca_certs
    with pytest.raises(TypeError):
        otp.ReplayGuard("redis://localhost:1/0", nonsense=True)


# ------------------------------------------------------------------ private servers we break


@pytest.fixture
def private(tmp_path):
    """A folder whose servers are all stopped (by pid) when the test ends."""
    yield tmp_path
    redis_topologies.stop(tmp_path)


def _cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout


def _master_of(ports: list[int], key: str) -> int:
    """The port of the master serving `key`'s slot (asked of the cluster itself)."""
    slot = int(_cli(ports[0], "CLUSTER", "KEYSLOT", key).strip())
    for line in _cli(ports[0], "CLUSTER", "NODES").splitlines():
        parts = line.split()
        if "master" not in parts[2] or "fail" in parts[2]:
            continue
        for r in parts[8:]:
            lo, _, hi = r.partition("-")
            if lo.isdigit() and int(lo) <= slot <= int(hi or lo):
                return int(parts[1].split("@")[0].rsplit(":", 1)[1])
    raise AssertionError(f"no master for slot {slot}")


def _exact_on_a_fresh_key(rl: ratelimit.RateLimiter, deadline: float) -> None:
    """Once the store answers again, a fresh key admits exactly its limit."""
    while time.monotonic() < deadline:
        key = f"after-{uuid.uuid4().hex}"
        got = [rl.hit(key, "5/hour") for _ in range(8)]
        if all(d.backend_error is None for d in got):
            assert [d.allowed for d in got] == [True] * 5 + [False] * 3
            return
        time.sleep(0.2)
    raise AssertionError("the store never answered again")


def _through_a_failover(rl: ratelimit.RateLimiter, key: str, seconds: float) -> None:
    """Hits `key` while the killed master's place is taken: meanwhile the policy (deny) decides
    and says so, never an exception; afterwards a fresh key admits exactly its limit."""
    saw_failure = False
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        d = rl.hit(key, "1000/hour")
        if d.backend_error:
            saw_failure = True
            assert not d.allowed
        elif saw_failure:
            break  # another server took over and answers
        time.sleep(0.05)
    assert saw_failure
    _exact_on_a_fresh_key(rl, time.monotonic() + seconds)


def test_a_cluster_master_killed_mid_run(private):
    cluster = redis_topologies.start_cluster(private)
    rl = ratelimit.RateLimiter(cluster["url"], "fixed-window", prefix="kill:", timeout=0.5)
    assert rl.hit("victim", "1000/hour").backend_error is None
    port = _master_of(cluster["ports"], "{fixed-window:victim}")
    os.kill(cluster["pids"][port], signal.SIGKILL)
    _through_a_failover(rl, "victim", 30)


def test_a_sentinel_master_killed_mid_run(private):
    topo = redis_topologies.start_sentinel(private)
    rl = ratelimit.RateLimiter(topo["url"], "moving-window", prefix="skill:", timeout=0.5)
    guard = otp.ReplayGuard(topo["url"])
    assert rl.hit("k", "1000/hour").backend_error is None
    os.kill(topo["pids"][topo["master"]], signal.SIGKILL)
    _through_a_failover(rl, "k", 40)
    # The replay guard followed the failover too.
    t = otp.TOTP(otp.random_base32())
    account = f"a-{uuid.uuid4().hex}"
    code = t.now()
    guard.verify(t, account, code)
    with pytest.raises(otp.ReplayedCodeError):
        guard.verify(t, account, code)


def _plain_server(root: Path) -> tuple[int, int]:
    port = redis_topologies.free_port()
    pid = redis_topologies._spawn(root, f"plain-{port}", ["--port", str(port)])
    redis_topologies._wait("redis", lambda: redis_topologies._pong(port))
    return port, pid


def test_a_hung_server_opens_the_breaker_and_closes_it_after(private):
    port, pid = _plain_server(private)
    url = f"redis://127.0.0.1:{port}/0"
    rl = ratelimit.RateLimiter(url, "fixed-window", fail_open=True, timeout=0.2, breaker_failures=2,
                               breaker_cooldown=0.5)
    assert rl.hit("k", "5/minute").backend_error is None
    os.kill(pid, signal.SIGSTOP)
    try:
        errors = [rl.hit("k", "5/minute").backend_error for _ in range(6)]
        assert all(errors)
        assert all("circuit open" not in e for e in errors[:2])
        assert all("circuit open" in e for e in errors[2:])
    finally:
        os.kill(pid, signal.SIGCONT)
    time.sleep(0.6)  # the cool-down: the next call probes and closes the breaker
    d = rl.hit("k", "5/minute")
    assert d.backend_error is None and d.allowed


def test_the_deny_cache_saves_the_round_trips_of_a_flood(private):
    port, _ = _plain_server(private)
    url = f"redis://127.0.0.1:{port}/0"

    def script_calls() -> int:
        stats = _cli(port, "INFO", "commandstats")
        return sum(int(line.split("calls=")[1].split(",")[0]) for line in stats.splitlines()
                   if line.startswith(("cmdstat_evalsha", "cmdstat_eval:")))

    cached = ratelimit.RateLimiter(url, "fixed-window", deny_cache=True)
    plain = ratelimit.RateLimiter(url, "fixed-window")
    allowed = [cached.hit("flood", "10/minute").allowed for _ in range(10)]
    assert allowed == [True] * 10
    before = script_calls()
    denied = [cached.hit("flood", "10/minute") for _ in range(2000)]
    assert not any(d.allowed for d in denied)
    trips = script_calls() - before
    assert trips / len(denied) <= 0.01, trips
    # Without the cache every denied hit is a round trip.
    before = script_calls()
    assert not any(plain.hit("flood", "10/minute").allowed for _ in range(100))
    assert script_calls() - before == 100


@pytest.mark.parametrize("var", ["BULWARK_REDIS_CLUSTER_URL", "BULWARK_REDIS_SENTINEL_URL"])
def test_async_storages_on_cluster_and_sentinel(var):
    import asyncio

    from bulwark.ratelimit.aio import storage as aio_storage
    from bulwark.ratelimit.aio import strategies as aio_strategies

    url = _url(var)
    st = limits_storage.storage_from_string("async+" + url, key_prefix=_prefix().rstrip(":"), socket_timeout=SLOW_OK)
    assert isinstance(st, (aio_storage.RedisClusterStorage, aio_storage.RedisSentinelStorage))
    limiter = aio_strategies.MovingWindowRateLimiter(st)
    item = ratelimit.parse("2/minute")

    async def run() -> list[bool]:
        return [await limiter.hit(item, "async", "who") for _ in range(3)]

    assert asyncio.run(run()) == [True, True, False]


def test_flask_and_asgi_take_storage_options():
    """flask-limiter's ``storage_options`` (and ``RATELIMIT_STORAGE_OPTIONS``) reach core: the TLS
    CA file verifies the server; an option Bulwark would ignore is refused."""
    flask = pytest.importorskip("flask")
    from bulwark.asgi import RateLimitMiddleware
    from bulwark.flask import Limiter

    tls = _url("BULWARK_REDIS_TLS_URL")
    host = tls.split("?")[0]
    ca = str(Path(os.environ["BULWARK_REDIS_TLS_DIR"]) / "ca.crt")
    app = flask.Flask("t")
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"ssl_ca_certs": ca, "socket_timeout": SLOW_OK}
    limiter = Limiter(lambda: "client", app=app, storage_uri=host, default_limits=["2/minute"],
                      key_prefix=_prefix())

    @app.get("/")
    def index():
        return "ok"

    c = app.test_client()
    assert [c.get("/").status_code for _ in range(3)] == [200, 200, 429]
    assert limiter.storage_options["ssl_ca_certs"] == ca
    with pytest.raises(ratelimit.errors.ConfigurationError):
        Limiter(lambda: "c", app=flask.Flask("u"), storage_uri=host, storage_options={"health_check_interval": 3})
    mw = RateLimitMiddleware(lambda *a: None, "1/minute", storage_uri=host, storage_options={"ssl_ca_certs": ca, "socket_timeout": SLOW_OK})
    assert mw.limiter.hit("k", "1/minute").backend_error is None
