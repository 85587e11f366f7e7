#!/usr/bin/env python3
"""Real Redis topologies on loopback for the tests: TLS (and mutual TLS), a Redis Cluster of three
masters with a replica each, and a master with a replica watched by a Sentinel. Certificates are
made at start with the openssl command. Standard library only: tests/with-redis.sh runs it before
any virtualenv exists.

    redis_topologies.py start DIR   starts every topology under DIR; prints `export NAME=value`
                                    lines (BULWARK_REDIS_TLS_URL, ..._MTLS_URL, ..._CLUSTER_URL,
                                    ..._SENTINEL_URL, BULWARK_REDIS_TLS_DIR)
    redis_topologies.py stop DIR    stops every server started under DIR, by process id

The Python tests import it too, to start private topologies they may break (a master killed
mid-run) without touching the shared ones."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REDIS = "redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cluster_port() -> int:
    """A free port whose cluster bus port (10,000 higher) is free too, both under 65536."""
    import random

    for _ in range(200):
        p = random.randint(20000, 45000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", p))
                b.bind(("127.0.0.1", p + 10000))
            return p
        except OSError:
            continue
    raise SystemExit("redis_topologies: no free port pair for a cluster node")


def _spawn(root: Path, name: str, args: list[str]) -> int:
    """Starts one redis-server (or sentinel) in its own folder; returns its pid (recorded)."""
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    log = open(d / "log", "ab")  # noqa: SIM115 (the server keeps it)
    proc = subprocess.Popen([REDIS, *args, "--dir", str(d), "--save", "", "--appendonly", "no",
                             "--loglevel", "warning", "--bind", "127.0.0.1"],
                            stdout=log, stderr=log, start_new_session=True)
    with open(root / "pids", "a") as f:
        f.write(f"{proc.pid}\n")
    return proc.pid


def _cli(*args: str, tls: list[str] | None = None) -> str:
    out = subprocess.run(["redis-cli", *(tls or []), *args], capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


def _wait(what: str, ok, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if ok():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"redis_topologies: {what} did not come up in {seconds:.0f} s")


def _pong(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_certs(d: Path) -> None:
    """A CA, a server certificate for localhost / 127.0.0.1, a client certificate (both signed
    by the CA), and a second, unrelated CA (the wrong one). EC P-256 keys, PKCS#8 PEM."""
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", *ec, "-keyout", str(d / f"{ca}.key"), "-out", str(d / f"{ca}.crt"),
                 "-days", "2", "-subj", f"/CN=bulwark test {ca}",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    for who, ext in (("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                     ("client", "extendedKeyUsage=clientAuth")):
        (d / f"{who}.ext").write_text(ext + "\nbasicConstraints=CA:FALSE\n")
        _openssl("req", *ec, "-keyout", str(d / f"{who}.key"), "-out", str(d / f"{who}.csr"),
                 "-subj", f"/CN=bulwark test {who}")
        _openssl("x509", "-req", "-in", str(d / f"{who}.csr"), "-CA", str(d / "ca.crt"), "-CAkey",
                 str(d / "ca.key"), "-CAcreateserial", "-days", "2", "-out", str(d / f"{who}.crt"),
                 "-extfile", str(d / f"{who}.ext"))


def start_tls(root: Path, certs: Path, mutual: bool) -> int:
    port = free_port()
    _spawn(root, f"tls-{port}", ["--port", "0", "--tls-port", str(port),
                                 "--tls-cert-file", str(certs / "server.crt"),
                                 "--tls-key-file", str(certs / "server.key"),
                                 "--tls-ca-cert-file", str(certs / "ca.crt"),
                                 "--tls-auth-clients", "yes" if mutual else "no"])
    tls = ["--tls", "--cacert", str(certs / "ca.crt"), "--cert", str(certs / "client.crt"),
           "--key", str(certs / "client.key")]
    _wait(f"TLS redis on {port}", lambda: "PONG" in _cli("-p", str(port), "PING", tls=tls))
    return port


def start_cluster(root: Path, masters: int = 3, replicas: int = 1) -> dict[str, object]:
    """A cluster on loopback; returns {"ports": [...], "pids": {port: pid}, "url": ...}."""
    ports: list[int] = []
    while len(ports) < masters * (1 + replicas):
        p = cluster_port()
        if p not in ports:
            ports.append(p)
    pids = {}
    for p in ports:
        pids[p] = _spawn(root, f"cluster-{p}", ["--port", str(p), "--cluster-enabled", "yes",
                                                "--cluster-config-file", f"nodes-{p}.conf",
                                                "--cluster-node-timeout", "1000"])
    for p in ports:
        _wait(f"cluster node {p}", lambda p=p: _pong(p))
    out = _cli("--cluster", "create", *[f"127.0.0.1:{p}" for p in ports], "--cluster-replicas",
               str(replicas), "--cluster-yes")
    if "[OK]" not in out:
        raise SystemExit(f"redis_topologies: cluster create failed:\n{out}")

    def settled() -> bool:
        for p in ports:
            info = _cli("-p", str(p), "CLUSTER", "INFO")
            if "cluster_state:ok" not in info or f"cluster_known_nodes:{len(ports)}" not in info:
                return False
        # every replica has caught up with its master
        return all("master_link_status:up" in _cli("-p", str(p), "INFO", "replication")
                   for p in ports if "role:slave" in _cli("-p", str(p), "INFO", "replication"))

    _wait("the cluster to settle", settled, 60)
    url = "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports[:2])
    return {"ports": ports, "pids": pids, "url": url}


def start_sentinel(root: Path, service: str = "mymaster") -> dict[str, object]:
    """A master, a replica and one sentinel (quorum 1, 1 s down-after)."""
    master, replica, sentinel = free_port(), free_port(), free_port()
    pids = {master: _spawn(root, f"sentinel-master-{master}", ["--port", str(master)])}
    _wait("sentinel master", lambda: _pong(master))
    pids[replica] = _spawn(root, f"sentinel-replica-{replica}",
                           ["--port", str(replica), "--replicaof", "127.0.0.1", str(master)])
    _wait("sentinel replica", lambda: "master_link_status:up" in _cli("-p", str(replica), "INFO", "replication"))
    d = root / f"sentinel-{sentinel}"
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "sentinel.conf"
    conf.write_text(f"port {sentinel}\nbind 127.0.0.1\nsentinel monitor {service} 127.0.0.1 {master} 1\n"
                    f"sentinel down-after-milliseconds {service} 1000\n"
                    f"sentinel failover-timeout {service} 5000\nsentinel parallel-syncs {service} 1\n")
    log = open(d / "log", "ab")  # noqa: SIM115
    proc = subprocess.Popen([REDIS, str(conf), "--sentinel"], stdout=log, stderr=log, start_new_session=True,
                            cwd=d)
    with open(root / "pids", "a") as f:
        f.write(f"{proc.pid}\n")
    pids[sentinel] = proc.pid
    _wait("the sentinel to see the master and replica",
          lambda: str(master) in _cli("-p", str(sentinel), "SENTINEL", "get-master-addr-by-name", service)
          and "num-slaves\n1" in _cli("-p", str(sentinel), "SENTINEL", "master", service).replace("\r", ""))
    return {"master": master, "replica": replica, "sentinel": sentinel, "pids": pids,
            "url": f"redis+sentinel://127.0.0.1:{sentinel}/{service}"}


def stop(root: Path) -> None:
    pids = root / "pids"
    if not pids.exists():
        return
    for line in pids.read_text().split():
        try:
            os.kill(int(line), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    pids.unlink()


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        raise SystemExit(__doc__)
    root = Path(sys.argv[2])
    if sys.argv[1] == "stop":
        stop(root)
        return
    root.mkdir(parents=True, exist_ok=True)
    certs = root / "certs"
    try:
        make_certs(certs)
        tls = start_tls(root, certs, mutual=False)
        mtls = start_tls(root, certs, mutual=True)
        cluster = start_cluster(root)
        sentinel = start_sentinel(root)
    except BaseException:
        stop(root)
        raise
    ca = certs / "ca.crt"
    env = {
        "BULWARK_REDIS_TLS_URL": f"rediss://localhost:{tls}/0?ssl_ca_certs={ca}",
        "BULWARK_REDIS_MTLS_URL": (f"rediss://localhost:{mtls}/0?ssl_ca_certs={ca}"
                                   f"&ssl_certfile={certs / 'client.crt'}&ssl_keyfile={certs / 'client.key'}"),
        "BULWARK_REDIS_TLS_DIR": str(certs),
        "BULWARK_REDIS_CLUSTER_URL": cluster["url"],
        "BULWARK_REDIS_SENTINEL_URL": sentinel["url"],
    }
    for k, v in env.items():
        print(f"export {k}='{v}'")


if __name__ == "__main__":
    main()
