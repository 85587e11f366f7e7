"""Bulwark in front of an API: the nginx module (integrations/nginx) with a configuration from
nginx.conf.in, tokens issued by Python's bulwark.jwt, and the answers a client gets. Run by
`make demo` (BULWARK_NGINX_MODULE names the built module)."""

from __future__ import annotations

import os
import pathlib
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "nginx"))

from nginx_runner import Nginx, free_port  # noqa: E402

from bulwark import jwt, token_urlsafe  # noqa: E402


def main() -> None:
    module = pathlib.Path(os.environ.get("BULWARK_NGINX_MODULE", HERE.parents[1] / "build/nginx/ngx_http_bulwark_module.so"))
    secret = token_urlsafe(32)
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "jwt.key").write_text(secret)
        port, upstream = free_port(), free_port()
        text = (HERE / "nginx.conf.in").read_text()
        for k, v in {"@DIR@": str(d), "@PORT@": str(port), "@UPSTREAM@": str(upstream),
                     "@MODULE@": str(module.resolve())}.items():
            text = text.replace(k, v)
        gw = Nginx(d, text, port)
        try:
            def issue(sub: str, **claims: object) -> dict[str, str]:
                body = {"sub": sub, "iss": "https://login.example.com", "exp": int(time.time()) + 600, **claims}
                return {"Authorization": "Bearer " + jwt.encode(body, secret, algorithm="HS256")}

            def show(what: str, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> None:
                status, h, body = gw.request(path, headers, method)
                extra = {k: h[k] for k in ("www-authenticate", "retry-after", "ratelimit", "access-control-allow-origin")
                         if k in h}
                print(f"{what:<44} {method} {path:<14} -> {status} {body.strip()[:40]!r} {extra or ''}")

            print(f"nginx with the Bulwark module on 127.0.0.1:{port}")
            show("no token", "/api/orders")
            show("a token signed with another key", "/api/orders",
                 {"Authorization": "Bearer " + jwt.encode({"sub": "eve"}, token_urlsafe(32), algorithm="HS256")})
            show("alice's token", "/api/orders", issue("alice"))
            show("alice, not an admin", "/api/admin", issue("alice"))
            show("root, an admin", "/api/admin", issue("root", roles=["admin"]))
            for _ in range(5):
                assert gw.request("/api/orders", issue("bob"))[0] == 200
            show("bob's 6th request this minute (limit 5)", "/api/orders", issue("bob"))
            show("a CORS preflight from the app", "/api/orders",
                 {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}, "OPTIONS")
            status, h, _ = gw.request("/api/orders", issue("alice"))
            security = [k for k in h if k.startswith(("strict", "x-", "content-sec", "referrer")) and "ratelimit" not in k]
            print(f"security headers on every answer: {', '.join(security)}")
            assert status == 200
        finally:
            gw.stop()


if __name__ == "__main__":
    main()
