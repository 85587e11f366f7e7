"""nginx on a loopback port with a given configuration, stopped by its pid: shared by the
module's tests (tests/nginx/test_nginx.py) and its benchmark (bench/nginx_bench.py)."""

from __future__ import annotations

import http.client
import pathlib
import shutil
import signal
import socket
import subprocess
import time

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def config(d: pathlib.Path, module: str, http: str, log_level: str = "info", connections: int = 256) -> str:
    """A whole nginx.conf around `http` (the http block's inside): the module loaded, one worker
    in the foreground, and every file nginx writes (pid, log, temp files) under `d`."""
    return f"""load_module {module};
daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log {log_level};
events {{ worker_connections {connections}; }}
http {{
access_log off;
client_body_temp_path {d}/body;
proxy_temp_path {d}/proxy;
fastcgi_temp_path {d}/fastcgi;
uwsgi_temp_path {d}/uwsgi;
scgi_temp_path {d}/scgi;
{http}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx started on a loopback port with a generated configuration, stopped by its pid."""

    def __init__(self, d: pathlib.Path, text: str, port: int) -> None:
        self.dir, self.port = d, port
        (d / "nginx.conf").write_text(text)
        self.proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()} {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 10 s")

    def log(self) -> str:
        p = self.dir / "error.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def request(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict, str]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            c.endheaders()
            r = c.getresponse()
            hdrs: dict[str, str] = {}
            for k, v in r.getheaders():
                hdrs[k.lower()] = hdrs[k.lower()] + ", " + v if k.lower() in hdrs else v
            return r.status, hdrs, r.read().decode(errors="replace")
        finally:
            c.close()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
