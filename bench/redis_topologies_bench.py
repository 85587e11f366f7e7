"""Redis in production, measured (issue 21): hits/s and round trips per decision on plain, TLS and
cluster Redis with 1 and 4 threads, Bulwark beside `limits` on the same servers; the deny cache's
round trips under a flood on one denied key; and decisions/s while Redis hangs (SIGSTOP), with
the circuit breaker against the failure policy alone. The servers are the ones tests/with-redis.sh
starts (`make bench` runs under it); the hang uses a private redis-server started here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import limits
from limits import storage as limits_storage
from limits import strategies as limits_strategies

from bulwark import ratelimit as bw_rl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import redis_topologies  # noqa: E402

KEYS = [f"client-{i}" for i in range(1000)]


def _cli_tls() -> list[str]:
    d = os.environ.get("BULWARK_REDIS_TLS_DIR", "")
    return ["--tls", "--cacert", f"{d}/ca.crt", "--cert", f"{d}/client.crt", "--key", f"{d}/client.key"]


def _script_calls(ports: list[tuple[int, list[str]]]) -> int:
    """EVALSHA + EVAL calls Redis itself counted, summed over `ports` (a cluster's masters)."""
    total = 0
    for port, extra in ports:
        out = subprocess.run(["redis-cli", *extra, "-p", str(port), "INFO", "commandstats"], capture_output=True,
                             text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith(("cmdstat_evalsha:", "cmdstat_eval:")):
                total += int(line.split("calls=")[1].split(",")[0])
    return total


def thread_rate(hit, n_threads: int, seconds: float) -> float:
    """Calls per second of `hit(key)` from `n_threads` threads for `seconds`, each thread walking
    the 1,000 keys in its own order."""
    counts = [0] * n_threads
    stop = time.perf_counter() + seconds

    def work(t: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            for _ in range(16):
                hit(KEYS[(i * 7 + t) % 1000])
                i += 1
        counts[t] = i

    ts = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def _topologies() -> list[tuple[str, str, str | None, dict]]:
    """(name, Bulwark URI, limits URI or None, limits options)."""
    out = []
    if os.environ.get("BULWARK_REDIS_URL"):
        out.append(("plain", os.environ["BULWARK_REDIS_URL"], os.environ["BULWARK_REDIS_URL"], {}))
    tls = os.environ.get("BULWARK_REDIS_TLS_URL")
    if tls:
        base, _, query = tls.partition("?")
        ca = query.split("ssl_ca_certs=", 1)[1].split("&")[0]
        out.append(("TLS", tls, base, {"ssl_ca_certs": ca}))
    cluster = os.environ.get("BULWARK_REDIS_CLUSTER_URL")
    if cluster:
        out.append(("cluster (3 masters)", cluster, cluster, {}))
    return out


def _ports_of(url: str) -> list[tuple[int, list[str]]]:
    """The servers whose script calls count for `url`: (port, redis-cli arguments)."""
    hosts = url.split("://", 1)[1].split("/", 1)[0].split("?")[0]
    ports = [int(h.rsplit(":", 1)[1]) for h in hosts.split(",")]
    extra = _cli_tls() if url.startswith("rediss") else []
    if "cluster" not in url:
        return [(ports[0], extra)]
    nodes = subprocess.run(["redis-cli", *extra, "-p", str(ports[0]), "CLUSTER", "NODES"], capture_output=True,
                           text=True, timeout=10).stdout
    return [(int(line.split()[1].split("@")[0].rsplit(":", 1)[1]), extra) for line in nodes.splitlines()
            if "master" in line.split()[2]]


def throughput_table(threads=(1, 4), seconds=1.0) -> list[str]:
    topologies = _topologies()
    if not topologies:
        return ["(Redis not running: use `make bench`)"]
    lines = ["| topology | threads | Bulwark `RateLimiter.hit` hits/s | Bulwark limits-shaped hits/s | "
             "`limits` hits/s | Bulwark round trips / decision | limits-shaped / `limits` ratio |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, url, peer_url, peer_opts in topologies:
        own = bw_rl.RateLimiter(url, "fixed-window", prefix=f"bench:{uuid.uuid4().hex[:8]}:")
        shaped = bw_rl.FixedWindowRateLimiter(bw_rl.storage_from_string(url))
        item = bw_rl.parse("1000000000/hour")
        peer = limits_strategies.FixedWindowRateLimiter(limits_storage.storage_from_string(peer_url, **peer_opts))
        peer_item = limits.parse("1000000000/hour")
        ports = _ports_of(url)
        own.hit("warm", "1000000000/hour")
        before = _script_calls(ports)
        for k in KEYS[:200]:
            own.hit(k, "1000000000/hour")
        trips = (_script_calls(ports) - before) / 200
        for n in threads:
            a = thread_rate(lambda k: own.hit(k, "1000000000/hour"), n, seconds)
            b = thread_rate(lambda k: shaped.hit(item, "tp", k), n, seconds)
            c = thread_rate(lambda k: peer.hit(peer_item, "tp", k), n, seconds)
            lines.append(f"| {name} | {n} | {a:,.0f} | {b:,.0f} | {c:,.0f} | {trips:.2f} | {b / c:.2f}x |")
            print(lines[-1])
    return lines


def deny_cache_table(hits=20000) -> list[str]:
    url = os.environ.get("BULWARK_REDIS_URL")
    if not url:
        return ["(Redis not running: use `make bench`)"]
    ports = _ports_of(url)
    lines = ["| limiter | denied hits | round trips | round trips per denied hit | denied hits/s |",
             "|---|---:|---:|---:|---:|"]
    for label, cache in (("`deny_cache=False` (default)", False), ("`deny_cache=True`", True)):
        rl = bw_rl.RateLimiter(url, "fixed-window", prefix=f"flood:{uuid.uuid4().hex[:8]}:", deny_cache=cache)
        for _ in range(10):
            rl.hit("attacker", "10/hour")
        before = _script_calls(ports)
        t0 = time.perf_counter()
        denied = sum(not rl.hit("attacker", "10/hour").allowed for _ in range(hits))
        took = time.perf_counter() - t0
        trips = _script_calls(ports) - before
        lines.append(f"| {label} | {denied:,} | {trips:,} | {trips / hits:.4f} | {hits / took:,.0f} |")
        print(lines[-1])
    return lines


def hang_table(seconds=4.0) -> list[str]:
    """Decisions/s of 1 and 4 threads while the server is stopped (SIGSTOP), timeout 0.5 s, policy
    deny: with the breaker (defaults: 3 failures, 1 s cool-down), without it, and the policy alone
    (a breaker held open: no call reaches the network)."""
    root = Path(tempfile.mkdtemp(prefix="bw-hang-"))
    port = redis_topologies.free_port()
    pid = redis_topologies._spawn(root, f"hang-{port}", ["--port", str(port)])
    try:
        redis_topologies._wait("redis", lambda: redis_topologies._pong(port))
        url = f"redis://127.0.0.1:{port}/0"
        lines = ["| limiter while Redis hangs (timeout 0.5 s, deny) | threads | decisions/s | of the policy alone |",
                 "|---|---:|---:|---:|"]
        for n in (1, 4):
            variants = {
                "policy alone (breaker held open)": dict(breaker_failures=1, breaker_cooldown=3600.0),
                "with the breaker (3 failures, 1 s cool-down)": {},
                "without a breaker (`breaker_failures=0`)": dict(breaker_failures=0),
            }
            results = {}
            for label, kw in variants.items():
                rl = bw_rl.RateLimiter(url, "fixed-window", timeout=0.5, **kw)
                rl.hit("k", "5/minute")  # connected while the server still answers
                os.kill(pid, signal.SIGSTOP)
                try:
                    # Steady state: measured once the hang is noticed (the breaker opened; a
                    # limiter without one is measured at once). Noticing it costs
                    # `breaker_failures` timeouts, once per hang.
                    if kw.get("breaker_failures") != 0:
                        while "circuit open" not in (rl.hit("k", "5/minute").backend_error or ""):
                            pass
                    results[label] = thread_rate(lambda k, rl=rl: rl.hit(k, "5/minute"), n, seconds)
                finally:
                    os.kill(pid, signal.SIGCONT)
                time.sleep(0.1)
            base = results["policy alone (breaker held open)"]
            for label, value in results.items():
                lines.append(f"| {label} | {n} | {value:,.1f} | {value / base:.2f} |")
                print(lines[-1])
        return lines
    finally:
        redis_topologies.stop(root)


def service_hang_table(seconds=4.0) -> list[str]:
    """The reference service (examples/api_service, Redis-backed limits, policy deny) driven over
    HTTP by 4 threads on a limited endpoint and 1 thread polling /health, first with Redis up,
    then with Redis stopped (SIGSTOP): answered requests per second, their statuses, and the
    slowest /health answer."""
    import http.client
    from collections import Counter

    root = Path(tempfile.mkdtemp(prefix="bw-svc-hang-"))
    port = redis_topologies.free_port()
    pid = redis_topologies._spawn(root, f"svc-redis-{port}", ["--port", str(port)])
    server = None
    try:
        redis_topologies._wait("redis", lambda: redis_topologies._pong(port))
        http_port = redis_topologies.free_port()
        env = dict(os.environ, BULWARK_REDIS_URL=f"redis://127.0.0.1:{port}/0",
                   BULWARK_DEFAULT_LIMITS="100000000 per minute")
        repo = Path(__file__).resolve().parents[1]
        server = subprocess.Popen([sys.executable, str(repo / "examples/api_service/server.py"), "--port",
                                   str(http_port), "--data-dir", str(root / "svc"), "--quiet"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert server.stdout is not None and "listening" in server.stdout.readline()

        def get(path: str) -> int:
            c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
            try:
                c.request("GET", path)
                return c.getresponse().status
            finally:
                c.close()

        def phase() -> tuple[float, Counter, float]:
            stop = time.perf_counter() + seconds
            statuses: Counter = Counter()
            lock = threading.Lock()
            worst = [0.0]

            def load() -> None:
                while time.perf_counter() < stop:
                    s = get("/api/status")
                    with lock:
                        statuses[s] += 1

            def health() -> None:
                while time.perf_counter() < stop:
                    t0 = time.perf_counter()
                    assert get("/health") == 200
                    worst[0] = max(worst[0], time.perf_counter() - t0)
                    time.sleep(0.05)

            ts = [threading.Thread(target=load) for _ in range(4)] + [threading.Thread(target=health)]
            t0 = time.perf_counter()
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            return sum(statuses.values()) / (time.perf_counter() - t0), statuses, worst[0]

        get("/api/status")
        lines = ["| Redis | /api/status answered per s (4 threads) | statuses | slowest /health |",
                 "|---|---:|---|---:|"]
        for label in ("up", "hung (SIGSTOP), timeout 0.5 s, breaker on"):
            if label != "up":
                os.kill(pid, signal.SIGSTOP)
            try:
                rate, statuses, worst = phase()
            finally:
                if label != "up":
                    os.kill(pid, signal.SIGCONT)
            shown = ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items()))
            lines.append(f"| {label} | {rate:,.0f} | {shown} | {worst * 1000:.0f} ms |")
            print(lines[-1])
        return lines
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        redis_topologies.stop(root)
