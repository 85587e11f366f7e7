"""bulwark.ratelimit: the rate grammar and the limits-compatible classes side by side with the
`limits` package, exactness from Python threads, two processes sharing a Redis limit, and a Redis
server that stops and comes back (fail-closed / fail-open, then decisions resume)."""

import math
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import limits
import pytest
from limits import storage as limits_storage
from limits import strategies as limits_strategies

from bulwark import ratelimit as rl
from bulwark.exceptions import InvalidInputError

REDIS_URL = os.environ.get("BULWARK_REDIS_URL")


def test_rate_grammar_matches_limits():
    for text in ["10/second", "100 per minute", "5 per 10 seconds", "1/hour", "2 per 3 days", "7/2 minutes"]:
        ours, theirs = rl.parse(text), limits.parse(text)
        assert (ours.amount, ours.multiples, ours.get_expiry()) == (theirs.amount, theirs.multiples, theirs.get_expiry())
        assert str(ours) == str(theirs)
        assert ours.key_for("a", "b") == theirs.key_for("a", "b")
    assert [str(r) for r in rl.parse_many("10/second; 1000/hour")] == ["10 per 1 second", "1000 per 1 hour"]
    for bad, part in [("10/fortnight", "fortnight"), ("ten/second", "ten"), ("", "no rate"), ("0/second", "at least 1")]:
        with pytest.raises(InvalidInputError, match=part):
            rl.parse_many(bad)


def test_rate_items_and_keys_as_limits_builds_them():
    for unit in ("Second", "Minute", "Hour", "Day"):
        ours = getattr(rl, f"RateLimitItemPer{unit}")(7, 2, namespace="NS")
        theirs = getattr(limits, f"RateLimitItemPer{unit}")(7, 2, namespace="NS")
        assert (ours.amount, ours.multiples, ours.namespace, ours.get_expiry()) == (
            theirs.amount, theirs.multiples, theirs.namespace, theirs.get_expiry())
        assert isinstance(ours, rl.RateLimitItem)
        # identifiers of every type limits' safe_string accepts
        assert ours.key_for("a", b"b", 3, 4.5) == theirs.key_for("a", b"b", 3, 4.5)
    assert rl.RateLimitItemPerMinute(5) == rl.parse("5/minute")
    assert hash(rl.RateLimitItemPerMinute(5)) == hash(rl.parse("5 per minute"))
    assert rl.RateLimitItemPerMinute(5) != rl.RateLimitItemPerSecond(5)
    # Equality ignores the namespace and the hash does not, exactly as in limits.
    a, b = rl.RateLimitItemPerMinute(5, namespace="A"), rl.RateLimitItemPerMinute(5, namespace="B")
    la, lb = limits.RateLimitItemPerMinute(5, namespace="A"), limits.RateLimitItemPerMinute(5, namespace="B")
    assert (a == b, hash(a) == hash(b)) == (la == lb, hash(la) == hash(lb)) == (True, False)
    # Ordering by granularity, months and years, str and parse in the unit as written.
    assert sorted([rl.RateLimitItemPerYear(1), rl.RateLimitItemPerSecond(9), rl.RateLimitItemPerMonth(1)]) == [
        rl.RateLimitItemPerSecond(9), rl.RateLimitItemPerMonth(1), rl.RateLimitItemPerYear(1)]
    for text in ("1 per 24 hours", "10 per 60 seconds", "3/month", "2 per 2 years", "5/10 minutes"):
        ours, theirs = rl.parse(text), limits.parse(text)
        assert (str(ours), ours.key_for("x"), ours.get_expiry(), type(ours).__name__) == (
            str(theirs), theirs.key_for("x"), theirs.get_expiry(), type(theirs).__name__)
    with pytest.raises(InvalidInputError, match="at least 1"):
        rl.RateLimitItemPerSecond(0)
    # multiples=0 or None reads as 1, as limits reads it
    assert rl.RateLimitItemPerSecond(1, 0).multiples == limits.RateLimitItemPerSecond(1, 0).multiples == 1
    with pytest.raises(InvalidInputError, match="fortnight"):
        rl.parse("1 per fortnight")
    with pytest.raises(TypeError, match="GRANULARITY"):
        rl.RateLimitItem(1, 1)
    with pytest.raises(OverflowError):
        rl.RateLimitItemPerSecond(-1)
    with pytest.raises(UnicodeDecodeError):
        rl.parse("1/second").key_for(b"\xff")
    with pytest.raises(TypeError):
        rl.FixedWindowRateLimiter(rl.storage_from_string("memory://")).hit("5/minute", "x")


def test_keys_stay_exact_with_long_and_reentrant_identifiers():
    """Hits build their key in a per-thread buffer: an identifier whose __str__ hits the limiter
    itself (while the outer key is being built) and identifiers far longer than the buffer keeps
    must still give limits' keys and separate counts."""
    ours = rl.FixedWindowRateLimiter(rl.storage_from_string("memory://"))
    item = rl.parse("2/minute")
    inner = []

    class Reentrant:
        def __str__(self):
            inner.append(ours.hit(item, "inner", "x"))
            return "outer-id"

    assert [ours.hit(item, "user", Reentrant()) for _ in range(3)] == [True, True, False]
    assert inner == [True, True, False]
    assert ours.test(item, "user", "outer-id") is False  # the same key as the plain string
    assert ours.test(item, "user", "outer-id2") is True
    long = "k" * 5000
    assert item.key_for("user", long) == limits.parse("2/minute").key_for("user", long)
    assert [ours.hit(item, "user", long) for _ in range(3)] == [True, True, False]
    assert ours.hit(item, "user", long + "x") and ours.hit(item, "user", "short")


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window", "moving-window", "gcra"])
def test_a_rate_given_twice_counts_once(strategy):
    limiter = rl.RateLimiter("memory://", strategy)
    assert [limiter.hit("k", "3/minute", "3 per minute").allowed for _ in range(5)] == [True] * 3 + [False] * 2


@pytest.mark.parametrize("name", ["FixedWindowRateLimiter", "MovingWindowRateLimiter", "SlidingWindowCounterRateLimiter"])
def test_limits_surface_decides_as_limits_does(name):
    ours = getattr(rl, name)(rl.storage_from_string("memory://"))
    theirs = getattr(limits_strategies, name)(limits_storage.storage_from_string("memory://"))
    item_ours, item_theirs = rl.parse("5/minute"), limits.parse("5/minute")
    got = [ours.hit(item_ours, "user", "42") for _ in range(8)]
    want = [theirs.hit(item_theirs, "user", "42") for _ in range(8)]
    assert got == want == [True] * 5 + [False] * 3
    assert ours.test(item_ours, "user", "42") is theirs.test(item_theirs, "user", "42") is False
    assert ours.get_window_stats(item_ours, "user", "42").remaining == 0
    assert ours.hit(item_ours, "user", "43") and ours.hit(item_ours, "user", "43", cost=4)
    assert not ours.hit(item_ours, "user", "43")
    ours.clear(item_ours, "user", "42")
    assert ours.hit(item_ours, "user", "42")


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window", "moving-window", "gcra"])
def test_decisions_headers_and_check(strategy):
    limiter = rl.RateLimiter("memory://", strategy)
    for i in range(3):
        d = limiter.hit("ip:1", "3/minute", "100/day")
        assert d.allowed and d.remaining == 2 - i and d.backend_error is None
    d = limiter.hit("ip:1", "3/minute", "100/day")
    assert not d and d.retry_after > 0 and d.rate == rl.parse("3/minute")
    h = d.headers()
    assert h["X-RateLimit-Limit"] == "3" and h["X-RateLimit-Remaining"] == "0" and int(h["Retry-After"]) >= 1
    assert h["RateLimit-Policy"] == '"r1";q=3;w=60, "r2";q=100;w=86400'
    with pytest.raises(rl.RateLimitExceeded) as e:
        limiter.check("ip:1", "3/minute")
    assert e.value.decision.retry_after > 0
    assert limiter.test("ip:2", "3/minute", cost=3).allowed and limiter.test("ip:2", "3/minute", cost=4).retry_after == float("inf")
    limiter.reset("ip:1", "3/minute", "100/day")
    assert limiter.hit("ip:1", "3/minute").allowed


def test_own_api_takes_lists_keeps_the_callers_items_and_gives_core_headers():
    limiter = rl.RateLimiter("memory://", "fixed-window")
    mine = rl.RateLimitItemPerMinute(2, namespace="MINE")
    d = limiter.hit("k", ["5/minute", mine], "1000/day")
    assert [str(r) for r in d.rates] == ["5 per 1 minute", "2 per 1 minute", "1000 per 1 day"]
    assert d.rates[1] is mine and d.rates[1].namespace == "MINE"
    assert d.rate is mine and d.remaining == 1 and d.limit == 2
    assert d.headers()["RateLimit-Policy"] == '"r1";q=5;w=60, "r2";q=2;w=60, "r3";q=1000;w=86400'
    assert d.headers()["RateLimit"] == '"r2";r=1;t=60'
    assert abs(d.at - time.time()) < 5 and int(d.headers()["X-RateLimit-Reset"]) == math.ceil(d.at + 60)
    # the same rate string object (the cache's fast path) and an equal new one decide alike
    text = "3/second"
    for i in range(3):
        assert limiter.hit("s", text).remaining == 2 - i
    assert not limiter.hit("s", "".join(["3/", "second"])).allowed
    denied = limiter.hit("s", ("3/second",))
    assert not denied and denied.retry_after_seconds >= 1 and "Retry-After" in denied.headers()
    assert denied.headers()["Retry-After"] == str(denied.retry_after_seconds)
    assert "allowed=False" in repr(denied) and "3 per second" in repr(denied)
    with pytest.raises(TypeError, match="rates must be str, RateLimitItem or a list of them, not int"):
        limiter.hit("k", 5)
    with pytest.raises(TypeError):
        limiter.hit("k", [["1/second"]])
    with pytest.raises(InvalidInputError, match="no rate given"):
        limiter.hit("k", [])
    # many distinct rate strings: every one decided right, the cache stays bounded
    for n in range(1, 600):
        assert limiter.hit(f"many-{n}", f"{n}/hour").remaining == n - 1


def test_most_restrictive_follows_cores_rule():
    limiter = rl.RateLimiter("memory://", "fixed-window")
    a = limiter.hit("a", "10/minute")
    b = limiter.hit("b", "3/minute")
    assert rl.most_restrictive([a, b]) is b and rl.most_restrictive([]) is None
    limiter.hit("c", "1/minute")
    short, long = limiter.hit("c", "1/minute"), None
    limiter.hit("d", "1/hour")
    long = limiter.hit("d", "1/hour")
    assert rl.most_restrictive([a, short, long, b]) is long
    with pytest.raises(TypeError):
        rl.most_restrictive([a, "not a decision"])


def test_bad_configuration():
    with pytest.raises(InvalidInputError):
        rl.RateLimiter("memcached://localhost")
    with pytest.raises(InvalidInputError):
        rl.RateLimiter("memory://", "leaky-bucket")
    with pytest.raises(InvalidInputError, match="'deny', 'allow' or 'local'"):
        rl.RateLimiter("memory://", on_backend_failure="maybe")
    # A zero timeout would block for ever on a socket: core refuses it for every door.
    with pytest.raises(InvalidInputError, match="positive"):
        rl.RateLimiter("memory://", timeout=0)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="timeout"):
            rl.RateLimiter("memory://", timeout=bad)
    with pytest.raises(InvalidInputError):
        rl.RateLimiter().hit("k")


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window", "moving-window", "gcra"])
def test_exact_under_python_threads(strategy):
    limiter = rl.RateLimiter("memory://", strategy)
    allowed = [0] * 8

    def worker(i):
        for _ in range(10_000):
            if limiter.hit("hot", "5000/hour").allowed:
                allowed[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 5000


needs_redis = pytest.mark.skipif(not REDIS_URL, reason="BULWARK_REDIS_URL not set: run through `make test`")

_CHILD = """
import sys
from bulwark import ratelimit as rl
limiter = rl.RateLimiter(sys.argv[1], "moving-window", prefix=sys.argv[2])
print(sum(limiter.hit("shared-client", "60/hour").allowed for _ in range(50)))
"""


@needs_redis
def test_two_processes_share_one_limit_through_redis():
    prefix = f"pytest:{os.getpid()}:{time.time_ns()}:"
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, REDIS_URL, prefix], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    counts = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(counts) == 60


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port, workdir):
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@needs_redis
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_redis_outage_fails_closed_or_open_and_decisions_resume(tmp_path):
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = _start_redis(port, str(tmp_path))
    try:
        closed = rl.RateLimiter(url, "fixed-window", timeout=0.3)
        opened = rl.RateLimiter(url, "fixed-window", fail_open=True, timeout=0.3)
        local = rl.RateLimiter(url, "fixed-window", on_backend_failure="local", timeout=0.3)
        assert closed.hit("a", "10/minute").allowed and opened.hit("b", "10/minute").allowed
        server.terminate()
        server.wait(timeout=10)
        d = closed.hit("a", "10/minute")
        assert not d.allowed and d.backend_error and "redis" in d.backend_error
        d = opened.hit("b", "10/minute")
        assert d.allowed and d.backend_error
        local_results = [local.hit("c", "2/minute") for _ in range(3)]
        assert [d.allowed for d in local_results] == [True, True, False]
        assert all(d.backend_error for d in local_results)
        server = _start_redis(port, str(tmp_path))
        d = closed.hit("a", "10/minute")
        assert d.allowed and d.backend_error is None
    finally:
        server.kill()
        server.wait(timeout=10)


# ----------------------------------------------------------------------------- limits' storage model


STORAGE_URIS = ["memory://"] + ([REDIS_URL] if REDIS_URL else [])


@pytest.fixture(params=STORAGE_URIS, ids=lambda u: u.split(":")[0])
def storage(request):
    s = rl.storage_from_string(request.param, **({} if request.param == "memory://" else {"key_prefix": f"T{time.time_ns()}"}))
    yield s
    s.reset()


def test_storage_primitives_answer_as_limits_memory_storage_does(storage):
    """The same calls on our storage and on limits' own MemoryStorage give the same answers."""
    theirs = limits_storage.MemoryStorage()
    for s in (storage, theirs):
        assert s.incr("c", 60) == 1 and s.incr("c", 60, amount=10) == 11
        assert s.get("c") == 11 and s.get("nothing") == 0
        assert time.time() + 58 < s.get_expiry("c") <= time.time() + 60
        assert abs(s.get_expiry("nothing") - time.time()) < 1
        assert not s.acquire_entry("m", 10, 60, amount=11)
        assert s.acquire_entry("m", 10, 60, amount=4) and s.acquire_entry("m", 10, 60, amount=6)
        assert not s.acquire_entry("m", 10, 60)
        start, count = s.get_moving_window("m", 10, 60)
        assert count == 10 and abs(start - time.time()) < 2
        assert s.acquire_sliding_window_entry("w", 5, 60, amount=5)
        assert not s.acquire_sliding_window_entry("w", 5, 60)
        previous, _, current, current_ttl = s.get_sliding_window("w", 60)
        assert (previous, current) == (0, 5) and 60 < current_ttl <= 120
        s.clear_sliding_window("w", 60)
        assert s.get_sliding_window("w", 60)[2] == 0
        s.clear("c")
        assert s.get("c") == 0
        assert s.check()


def test_a_storage_written_in_python_gets_cores_decisions_and_keeps_its_errors():
    """A Storage subclass supplies counts; the strategies' decisions are core's; its own
    exceptions come through unchanged, or as StorageError with wrap_exceptions."""
    from bulwark.ratelimit.errors import StorageError
    from bulwark.ratelimit.storage import MovingWindowSupport, Storage

    class DictStorage(Storage, MovingWindowSupport):
        STORAGE_SCHEME = ["dict-test"]
        calls: list = []

        def __init__(self, uri=None, wrap_exceptions=False, **options):
            super().__init__(uri, wrap_exceptions=wrap_exceptions)
            self.counts, self.log = {}, {}

        @property
        def base_exceptions(self):
            return KeyError

        def incr(self, key, expiry, amount=1):
            self.calls.append(("incr", key, expiry, amount))
            self.counts[key] = self.counts.get(key, 0) + amount
            return self.counts[key]

        def get(self, key):
            if key == "boom":
                raise KeyError("boom")
            return self.counts.get(key, 0)

        def get_expiry(self, key):
            return time.time() + 60

        def check(self):
            return True

        def reset(self):
            n = len(self.counts)
            self.counts.clear()
            return n

        def clear(self, key):
            self.counts.pop(key, None)

        def acquire_entry(self, key, limit, expiry, amount=1):
            used = self.log.get(key, 0)
            if used + amount > limit:
                return False
            self.log[key] = used + amount
            return True

        def get_moving_window(self, key, limit, expiry):
            return time.time(), self.log.get(key, 0)

    s = rl.storage_from_string("dict-test://")
    assert isinstance(s, DictStorage)
    fixed = rl.FixedWindowRateLimiter(s)
    item = rl.parse("2/minute")
    assert [fixed.hit(item, "u") for _ in range(3)] == [True, True, False]
    assert DictStorage.calls[0] == ("incr", item.key_for("u"), 60, 1)
    assert fixed.get_window_stats(item, "u").remaining == 0
    assert not fixed.test(item, "u")
    moving = rl.MovingWindowRateLimiter(s)
    assert [moving.hit(item, "v") for _ in range(3)] == [True, True, False]
    with pytest.raises(NotImplementedError):
        rl.SlidingWindowCounterRateLimiter(s)
    # Its own error comes back as itself through a strategy (core carried it) ...
    s.get = lambda key: (_ for _ in ()).throw(KeyError("boom"))
    with pytest.raises(KeyError, match="boom"):
        fixed.test(item, "u")
    # ... and as StorageError from a storage that wraps.
    wrapped = DictStorage(wrap_exceptions=True)
    with pytest.raises(StorageError) as info:
        wrapped.get("boom")
    assert isinstance(info.value.storage_error, KeyError)


def test_custom_granularities_parse_and_count():
    class PerFortnight(rl.RateLimitItem):
        GRANULARITY = rl.Granularity(14 * 86400, "fortnight")

    item = rl.parse("3 per 2 fortnights")
    assert type(item) is PerFortnight and item.get_expiry() == 28 * 86400
    assert item.key_for("x") == "LIMITER/x/3/2/fortnight"
    assert item > rl.RateLimitItemPerDay(1) and item < rl.RateLimitItemPerMonth(1)
    limiter = rl.MovingWindowRateLimiter(rl.MemoryStorage())
    assert [limiter.hit(item, "x") for _ in range(4)] == [True] * 3 + [False]


def test_memory_storage_pickles_with_its_counts_and_strategies_share_a_storage():
    import pickle

    s = rl.MemoryStorage()
    item = rl.parse("3/minute")
    a, b = rl.FixedWindowRateLimiter(s), rl.FixedWindowRateLimiter(s)
    assert a.hit(item, "k") and b.hit(item, "k")
    assert a.get_window_stats(item, "k").remaining == 1  # one count, two limiters
    restored = pickle.loads(pickle.dumps(s))
    assert rl.FixedWindowRateLimiter(restored).get_window_stats(item, "k").remaining == 1
    assert s.reset() == 1 and a.get_window_stats(item, "k").remaining == 3


def test_hostile_arguments_are_refused_and_floods_stay_bounded():
    s = rl.MemoryStorage(max_keys=128)
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="expiry"):
            s.incr("k", bad)
    with pytest.raises(ValueError, match="amount"):
        s.incr("k", 60, amount=-1)
    with pytest.raises(ValueError, match="cost"):
        rl.FixedWindowRateLimiter(s).hit(rl.parse("1/second"), "k", cost=-1)
    limiter = rl.SlidingWindowCounterRateLimiter(s)
    item = rl.parse("1/minute")
    for i in range(5000):
        limiter.hit(item, f"fresh-{i}")
    assert len(s._entries()) <= 128
    from bulwark.ratelimit.errors import ConfigurationError

    for uri in ("blah://", "memcached://localhost:11211", "redis+sentinel://localhost:26379", 42):
        with pytest.raises(ConfigurationError):
            rl.storage_from_string(uri)


def test_asyncio_strategies_decide_as_the_sync_ones():
    import asyncio

    from bulwark.ratelimit import aio

    async def run(uri):
        storage = rl.storage_from_string(uri)
        limiter = aio.strategies.MovingWindowRateLimiter(storage)
        item = rl.parse("5/minute")
        hits = await asyncio.gather(*[limiter.hit(item, "k") for _ in range(20)])
        stats = await limiter.get_window_stats(item, "k")
        await storage.reset()
        return sum(hits), stats.remaining

    assert asyncio.run(run("async+memory://")) == (5, 0)
    if REDIS_URL:
        assert asyncio.run(run("async+" + REDIS_URL)) == (5, 0)
    with pytest.raises(TypeError):
        aio.strategies.FixedWindowRateLimiter(rl.MemoryStorage())


@pytest.mark.skipif(not REDIS_URL, reason="needs BULWARK_REDIS_URL (make test starts a redis-server)")
def test_two_redis_storages_share_counts_and_reset_only_their_prefix():
    prefix = f"S{time.time_ns()}"
    one = rl.storage_from_string(REDIS_URL, key_prefix=prefix)
    two = rl.storage_from_string(REDIS_URL, key_prefix=prefix)
    other = rl.storage_from_string(REDIS_URL, key_prefix=prefix + "x")
    item = rl.parse("3/minute")
    for s in (one, two, one):
        assert rl.SlidingWindowCounterRateLimiter(s).hit(item, "shared")
    assert not rl.SlidingWindowCounterRateLimiter(two).hit(item, "shared")
    other.incr("k", 60)
    assert one.reset() == 1 and other.get("k") == 1
    other.reset()


@pytest.mark.parametrize("name,code", [("FixedWindowRateLimiter", 1), ("MovingWindowRateLimiter", 2),
                                       ("SlidingWindowCounterRateLimiter", 3)])
def test_c_and_python_count_the_same_limits_keys(clib, name, code):
    """The C door's counters and Python's limits-shaped classes are one model: over one Redis
    prefix they share counts; over memory the same calls decide the same way."""
    import ctypes as c

    clib.bw_counters_new.argtypes = [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_uint32, c.c_size_t,
                                     c.POINTER(c.c_void_p)]
    clib.bw_counters_hit.argtypes = [c.c_void_p, c.c_uint32, c.c_char_p, c.c_size_t, c.c_uint64, c.c_uint64,
                                     c.c_uint64, c.POINTER(c.c_bool)]
    clib.bw_counters_free.argtypes = [c.c_void_p]
    for fn in (clib.bw_counters_new, clib.bw_counters_hit, clib.bw_counters_free):
        fn.restype = c.c_uint32
    item = rl.parse("4/minute")
    uris = ["memory://"] + ([REDIS_URL] if REDIS_URL else [])
    for uri in uris:
        prefix = f"X{time.time_ns()}"
        handle = c.c_void_p()
        assert clib.bw_counters_new(uri.encode(), len(uri), prefix.encode(), len(prefix), 0, 0, c.byref(handle)) == 0

        def c_hit(key):
            ok = c.c_bool()
            k = key.encode()
            assert clib.bw_counters_hit(handle, code, k, len(k), item.amount, item.get_expiry() * 10**6, 1,
                                        c.byref(ok)) == 0
            return ok.value

        storage = rl.storage_from_string(uri, **({} if uri == "memory://" else {"key_prefix": prefix}))
        py = getattr(rl, name)(storage)
        if uri == "memory://":
            assert [c_hit(item.key_for("a")) for _ in range(5)] == [py.hit(item, "a") for _ in range(5)]
        else:
            got = [c_hit(item.key_for("a")), py.hit(item, "a"), c_hit(item.key_for("a")), py.hit(item, "a"),
                   c_hit(item.key_for("a")), py.hit(item, "a")]
            assert got == [True] * 4 + [False] * 2
            storage.reset()
        assert clib.bw_counters_free(handle) == 0
