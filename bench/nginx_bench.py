"""The gateway's cost per request: requests/s of nginx proxying a static upstream on loopback, bare
and with the Bulwark module (HS256 / ES256 bearer check, one memory limit, both, a Redis limit),
beside nginx's own `limit_req` for the rate limit alone. One nginx worker (the upstream is a
second server of the same nginx), driven by wrk from the other core; with the worker saturated,
1/throughput is the worker's time per request, so the difference to the bare row is what the
module adds. wrk is installed with apt-get if missing.

    BULWARK_NGINX_MODULE=build/nginx/ngx_http_bulwark_module.so python bench/nginx_bench.py
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "nginx"))

from nginx_runner import Nginx, config, free_port  # noqa: E402  (the tests' nginx runner)

DURATION = 4
ROUNDS = 3
SECRET = "a-gateway-hs256-secret-of-32-bytes!!"


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk with apt-get", file=sys.stderr)
    subprocess.run("apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk "
                   ">/dev/null", shell=True, check=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


def _config(d: pathlib.Path, module: str, port: int, upstream: int, redis_url: str) -> str:
    redis_row = (f'location /bulwark-redis {{ bulwark_limit "100000000/minute" key=$remote_addr '
                 f'storage={redis_url} prefix=bench:{os.getpid()}:; proxy_pass http://127.0.0.1:{upstream}; }}'
                 if redis_url else "")
    return config(d, module, f"""
    limit_req_zone $binary_remote_addr zone=bench:10m rate=100000r/s;
    upstream backend {{ server 127.0.0.1:{upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{upstream};
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /bare {{ proxy_pass http://backend; }}
        location /bulwark-hs256 {{
            bulwark_jwt key_file={d}/hs.key algorithms=HS256;
            proxy_pass http://backend;
        }}
        location /bulwark-es256 {{
            bulwark_jwt key_file={d}/es.pub algorithms=ES256;
            proxy_pass http://backend;
        }}
        location /bulwark-limit {{
            bulwark_limit "100000000/minute" key=$remote_addr;
            proxy_pass http://backend;
        }}
        location /bulwark-hs256-limit {{
            bulwark_jwt key_file={d}/hs.key algorithms=HS256;
            bulwark_limit "100000000/minute" key=$remote_addr;
            proxy_pass http://backend;
        }}
        location /limit-req {{
            limit_req zone=bench burst=100000 nodelay;
            proxy_pass http://backend;
        }}
        {redis_row}
    }}
""", log_level="warn", connections=1024)


def _run_wrk(wrk: str, url: str, headers: dict[str, str]) -> float:
    args = [wrk, "-t1", "-c16", f"-d{DURATION}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    return float(m.group(1))


def measure() -> list[tuple[str, str, float]]:
    """(row, what it runs, requests/s) for every row, median of alternating rounds."""
    from bulwark import jwt

    module = os.environ.get("BULWARK_NGINX_MODULE", str(ROOT / "build" / "nginx" / "ngx_http_bulwark_module.so"))
    if not pathlib.Path(module).is_file():
        raise SystemExit(f"nginx module not found at {module}: make nginx-module")
    wrk = _wrk()
    priv, pub = jwt.generate_key_pair("ES256")
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "hs.key").write_text(SECRET)
        (d / "es.pub").write_text(pub)
        port, upstream = free_port(), free_port()
        n = Nginx(d, _config(d, str(pathlib.Path(module).resolve()), port, upstream,
                             os.environ.get("BULWARK_REDIS_URL", "")), port)
        try:
            hs = {"Authorization": "Bearer " + jwt.encode({"sub": "bench", "exp": int(time.time()) + 3600}, SECRET,
                                                           algorithm="HS256")}
            es = {"Authorization": "Bearer " + jwt.encode({"sub": "bench", "exp": int(time.time()) + 3600}, priv,
                                                           algorithm="ES256")}
            rows = [
                ("nginx proxy, bare", "/bare", {}),
                ("+ Bulwark HS256 bearer check", "/bulwark-hs256", hs),
                ("+ Bulwark ES256 bearer check", "/bulwark-es256", es),
                ("+ Bulwark memory limit", "/bulwark-limit", {}),
                ("+ Bulwark HS256 check and memory limit", "/bulwark-hs256-limit", hs),
                ("+ nginx limit_req (for comparison)", "/limit-req", {}),
            ]
            if os.environ.get("BULWARK_REDIS_URL"):
                rows.append(("+ Bulwark Redis limit (blocking round trip)", "/bulwark-redis", {}))
            for _, path, headers in rows:  # warm-up, and a check that each row answers 200
                status = n.request(path, headers)[0]
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
            results: dict[str, list[float]] = {path: [] for _, path, _ in rows}
            for _ in range(ROUNDS):
                for _, path, headers in rows:
                    results[path].append(_run_wrk(wrk, f"http://127.0.0.1:{port}{path}", headers))
            return [(name, path, statistics.median(results[path])) for name, path, _ in rows]
        finally:
            n.stop()


def table() -> list[str]:
    """BENCHMARKS.md lines: requests/s and the worker's time per request beside the bare proxy."""
    rows = measure()
    bare = rows[0][2]
    lines = ["| configuration | location | requests/s | worker time per request | added to the bare proxy |",
             "|---|---|---:|---:|---:|"]
    for name, path, rps in rows:
        per = 1e6 / rps
        added = "" if path == "/bare" else f"{per - 1e6 / bare:+.1f} us"
        lines.append(f"| {name} | `{path}` | {rps:,.0f} | {per:.1f} us | {added} |")
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
