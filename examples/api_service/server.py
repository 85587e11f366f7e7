"""Run the reference service: ``python examples/api_service/server.py [--host H] [--port P]
[--data-dir D]``. Prints ``listening on http://H:P`` once it accepts connections (``--port 0``
picks a free port), and stops cleanly on SIGTERM or Ctrl-C.

``--create-admin NAME`` creates an admin account in the data folder and exits (the only way to an
admin role: sign-up never grants one). The password comes from ``BULWARK_ADMIN_PASSWORD``, else
from standard input (asked for without echo on a terminal).

Werkzeug's threaded server is enough for a demo and for loopback tests; in production put the
app (``app.app_from_env``) behind gunicorn or another WSGI server and a TLS-terminating proxy.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app import app_from_env, create_admin  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("BULWARK_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BULWARK_PORT", "8000")))
    parser.add_argument("--data-dir", default=os.environ.get("BULWARK_DATA_DIR", "build/api_service"))
    parser.add_argument("--quiet", action="store_true", help="no access log lines")
    parser.add_argument("--create-admin", metavar="NAME", help="create an admin account and exit")
    args = parser.parse_args()
    if args.create_admin:
        secret = os.environ.get("BULWARK_ADMIN_PASSWORD")
        if not secret:
            secret = getpass.getpass("admin password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        try:
            user_id = create_admin(args.data_dir, args.create_admin, secret)
        except ValueError as exc:
            sys.exit(f"--create-admin: {exc}")
        print(f"admin {args.create_admin!r} created (id {user_id})")
        return
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = make_server(args.host, args.port, app_from_env(args.data_dir), threaded=True)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
