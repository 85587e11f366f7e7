"""The ``flask limiter`` commands (as flask-limiter's): ``config`` shows the extension's
settings, ``limits`` lists every route's limits (with ``--key``, what that client has left), and
``clear --key`` forgets a client's counts. Registered for ``flask`` through the
``flask.commands`` entry point."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from . import Limiter, _Limit

__all__ = ["cli"]


def _extension() -> Limiter:
    limiter = current_app.extensions.get("limiter")
    if not isinstance(limiter, Limiter):
        raise click.ClickException("no bulwark.flask Limiter is set up on this app (Limiter(app=...) or init_app)")
    return limiter


def _routes(endpoint: str | None, method: str | None) -> list[tuple[str, str, list[_Limit]]]:
    """``(endpoint, method, limits)`` of every route that has limits, filtered."""
    limiter = _extension()
    out = []
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if endpoint and rule.endpoint != endpoint:
            continue
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue  # never limited
        view = current_app.view_functions.get(rule.endpoint)
        blueprint = rule.endpoint.rpartition(".")[0] or None
        for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method and m != method.upper():
                continue
            limits = limiter._plan(view, blueprint, m)
            if limits:
                out.append((rule.endpoint, m, limits))
    return out


def _describe(lim: _Limit) -> str:
    kind = "meta" if lim.meta else ("shared" if lim.shared else "route")
    items = ", ".join(str(i) for i in lim.rates.items()) if not callable(lim.rates._value) else "(computed per request)"
    return f"{items} [{kind}]"


@click.group(help="Rate-limit maintenance commands (bulwark.flask)")
def cli() -> None:
    """The ``flask limiter`` group."""


@cli.command(help="Show the Limiter's configuration")
@with_appcontext
def config() -> None:
    """Prints the extension's settings."""
    limiter = _extension()
    rows: list[tuple[str, Any]] = [
        ("enabled", limiter.enabled),
        ("storage", limiter.storage_uri),
        ("strategy", limiter.strategy),
        ("headers enabled", limiter.headers_enabled),
        ("on backend failure", limiter._policy),
        ("fail on first breach", limiter.fail_on_first_breach),
        ("default limits", ", ".join(_describe(lim) for lim in limiter._defaults) or "-"),
        ("application limits", ", ".join(_describe(lim) for lim in limiter._application) or "-"),
        ("meta limits", ", ".join(_describe(lim) for lim in limiter._meta) or "-"),
    ]
    for name, value in rows:
        click.echo(f"{name}: {value}")


@cli.command(help="List the rate limits of every route")
@click.option("--endpoint", default=None, help="Only this endpoint")
@click.option("--method", default=None, help="Only this HTTP method")
@click.option("--key", default=None, help="A client key: show what it has left")
@with_appcontext
def limits(endpoint: str | None, method: str | None, key: str | None) -> None:
    """Prints each route's limits, and with ``--key`` that client's remaining counts."""
    limiter = _extension()
    rate_limiter = limiter._limiter()
    for ep, m, lims in _routes(endpoint, method):
        click.echo(f"{ep} {m}")
        for lim in lims:
            line = f"  {_describe(lim)}"
            if key is not None and not callable(lim.rates._value):
                # A peek of cost 0: what is left now, not after one more request.
                d = rate_limiter.test(lim.key_for(ep, key, m), *lim.rates.items(), cost=0)
                line += f" remaining={d.remaining} reset_after={d.reset_after:.0f}s"
            click.echo(line)


@cli.command(help="Forget a client's counts")
@click.option("--key", required=True, help="The client key to clear")
@click.option("--endpoint", default=None, help="Only this endpoint")
@click.option("--method", default=None, help="Only this HTTP method")
@click.option("-y", "yes", is_flag=True, help="Do not ask for confirmation")
@with_appcontext
def clear(key: str, endpoint: str | None, method: str | None, yes: bool) -> None:
    """Resets every limit of ``key`` on the matching routes."""
    limiter = _extension()
    targets = [(lim.key_for(ep, key, m), lim) for ep, m, lims in _routes(endpoint, method) for lim in lims
               if not callable(lim.rates._value)]
    if not targets:
        click.echo("no limits match")
        return
    if not yes:
        click.confirm(f"clear {len(targets)} limit(s) for {key!r}?", abort=True)
    for storage_key, lim in targets:
        limiter._limiter().reset(storage_key, *lim.rates.items())
    click.echo(f"cleared {len(targets)} limit(s) for {key!r}")

