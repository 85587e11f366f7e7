"""Requests per second of one protected endpoint (bearer JWT verify + rate limit + security headers)
built two ways, served by the same server, driven by the same loopback load generator:

- ``bulwark``: ``bulwark.flask`` (JWTAuth, Limiter, SecurityHeaders);
- ``peer``: PyJWT + flask-limiter + an ``after_request`` hook adding the same headers.

``python bench/web_bench.py`` prints a Markdown table; ``serve NAME PORT`` runs one app (used by
the table). Each app runs in its own process on waitress (4 threads, HTTP/1.1 keep-alive; werkzeug's
development server closes every connection); the load generator is
a third process of raw keep-alive sockets (pre-built request bytes, responses read by
Content-Length), so it costs far less per request than the servers it drives. Both servers
are measured in alternating runs and the median is reported.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time

KEY = "bench-hs256-secret-0123456789abcdef0123456789"
RATE = "100000000 per minute"  # never reached: every request pays the limiter, none is refused
HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-XSS-Protection": "0",
}


import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="Using the in-memory storage")  # flask-limiter, on purpose


def bulwark_app():
    from flask import Flask, g

    from bulwark.flask import JWTAuth, Limiter, SecurityHeaders
    from bulwark.flask.util import get_remote_address

    app = Flask("bulwark_bench")
    auth = JWTAuth(app, key=KEY, algorithms=["HS256"])
    Limiter(get_remote_address, app=app, default_limits=[RATE])
    SecurityHeaders(app)

    @app.get("/protected")
    @auth.require_auth
    def protected():
        return {"sub": g.jwt_claims["sub"]}

    return app


def peer_app():
    import functools

    import jwt
    from flask import Flask, g, jsonify, request
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    app = Flask("peer_bench")
    Limiter(get_remote_address, app=app, default_limits=[RATE], headers_enabled=True)

    def require_auth(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                return jsonify(error="invalid_token"), 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            try:
                g.jwt_claims = jwt.decode(token, KEY, algorithms=["HS256"], options={"require": ["exp"]})
            except jwt.PyJWTError:
                return jsonify(error="invalid_token"), 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return view(*args, **kwargs)

        return wrapper

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/protected")
    @require_auth
    def protected():
        return {"sub": g.jwt_claims["sub"]}

    return app


def serve(name: str, port: int) -> None:
    import logging
    import warnings

    from waitress.server import create_server

    warnings.simplefilter("ignore")  # flask-limiter's "in-memory storage" warning
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" under load
    app = bulwark_app() if name == "bulwark" else peer_app()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    print(f"listening {server.effective_port}", flush=True)
    server.run()


def _read_response(sock: socket.socket, buf: bytearray) -> int:
    """Reads one HTTP/1.1 response; returns its status. ``buf`` keeps bytes of the next one."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    head = bytes(buf[:end]).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    total = end + 4 + length
    while len(buf) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    del buf[:total]
    return status


def load(port: int, request: bytes, seconds: float, connections: int = 4) -> float:
    """Requests per second over ``connections`` keep-alive sockets for ``seconds``."""
    counts = [0] * connections
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        try:
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buf = bytearray()
                n = 0
                while time.perf_counter() < stop:
                    sock.sendall(request)
                    status = _read_response(sock, buf)
                    if status != 200:
                        raise AssertionError(f"HTTP {status}")
                    n += 1
                counts[i] = n
        except Exception as exc:  # reported below: a failed run must not pass as a slow one
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"load generator failed: {errors[0]}")
    return sum(counts) / (time.perf_counter() - t0)


def _start(name: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, __file__, "serve", name, "0"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening "):
        proc.kill()
        raise RuntimeError(f"{name} server did not start")
    return proc, int(line.split()[1])


def table(runs: int = 5, seconds: float = 3.0) -> list[str]:
    """The Markdown rows: median requests/s of each side and the ratio."""
    import jwt as pyjwt

    token = pyjwt.encode({"sub": "user-42", "exp": int(time.time()) + 86400}, KEY, algorithm="HS256")
    procs = []
    try:
        ports = {}
        for name in ("bulwark", "peer"):
            proc, port = _start(name)
            procs.append(proc)
            ports[name] = port
        request = {}
        for name, port in ports.items():
            request[name] = (f"GET /protected HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                             f"Authorization: Bearer {token}\r\n\r\n").encode()
            load(port, request[name], 1.0)  # warm-up: imports, first connections, AWS-LC start-up
        rates: dict[str, list[float]] = {"bulwark": [], "peer": []}
        for _ in range(runs):
            for name in ("bulwark", "peer"):
                rates[name].append(load(ports[name], request[name], seconds))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
    ours, theirs = statistics.median(rates["bulwark"]), statistics.median(rates["peer"])
    lines = [
        "| endpoint over loopback (waitress, 4 keep-alive connections) | Bulwark req/s | PyJWT + flask-limiter req/s"
        " | ratio (Bulwark / peer, higher is better) |",
        "|---|---:|---:|---:|",
        f"| GET /protected (HS256 verify + 1 limit + 8 headers) | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}× |",
        "",
        *in_process(token),
    ]
    return lines


def in_process(token: str, n: int = 3000, runs: int = 5) -> list[str]:
    """Time per request through Flask's test client (no server, no sockets): what each stack adds
    to a bare Flask view returning the same JSON."""
    import timeit

    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/protected", "protected", lambda: {"sub": "user-42"})
    headers = {"Authorization": f"Bearer {token}"}
    apps = {"bare Flask": bare, "Bulwark": bulwark_app(), "PyJWT + flask-limiter": peer_app()}
    clients = {name: app.test_client() for name, app in apps.items()}
    times: dict[str, list[float]] = {name: [] for name in apps}
    for c in clients.values():
        assert c.get("/protected", headers=headers).status_code == 200
    for _ in range(runs):
        for name, c in clients.items():
            times[name].append(timeit.timeit(lambda: c.get("/protected", headers=headers), number=n) / n)
    med = {name: statistics.median(t) for name, t in times.items()}
    base = med["bare Flask"]
    ours, theirs = med["Bulwark"] - base, med["PyJWT + flask-limiter"] - base
    return [
        "| in process (Flask test client) | µs per request | added to bare Flask |",
        "|---|---:|---:|",
        f"| bare Flask view | {base * 1e6:.0f} | — |",
        f"| Bulwark (JWTAuth + Limiter + SecurityHeaders) | {med['Bulwark'] * 1e6:.0f} | {ours * 1e6:.0f} µs |",
        f"| PyJWT + flask-limiter + headers hook | {med['PyJWT + flask-limiter'] * 1e6:.0f} | {theirs * 1e6:.0f} µs |",
        f"| ratio of what each adds (Bulwark / peer) | | {ours / theirs:.2f}× |",
    ]


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        print("\n".join(table()))
