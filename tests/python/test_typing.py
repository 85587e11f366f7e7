"""The package's types as a user's type checker sees them: decorators keep the view's signature
(ParamSpec), and the typed surface stays mypy --strict clean from the outside."""

import subprocess
import sys
import textwrap


def _mypy(tmp_path, source: str) -> str:
    path = tmp_path / "user_code.py"
    path.write_text(textwrap.dedent(source))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--show-error-codes", str(path)],
        capture_output=True, text=True, check=False,
    )
    return done.stdout + done.stderr


def test_flask_decorators_keep_the_view_signature(tmp_path):
    out = _mypy(tmp_path, """
        from flask import Flask
        from bulwark.flask import JWTAuth, Limiter, require_auth

        app = Flask(__name__)
        auth = JWTAuth(app, key="k" * 32, algorithms=["HS256"])
        limiter = Limiter(app)

        @auth.require_auth("admin")
        @limiter.limit("5/minute")
        @limiter.exempt
        def view(user_id: int, *, verbose: bool = False) -> dict[str, int]:
            return {"id": user_id}

        @require_auth
        def bare(name: str) -> str:
            return name

        reveal_type(view)
        reveal_type(bare)
        view(1, verbose=True)
        view("x")
    """)
    assert 'Revealed type is "def (user_id: builtins.int, *, verbose: builtins.bool =) -> builtins.dict[builtins.str, builtins.int]"' in out or \
        'Revealed type is "def (user_id: int, *, verbose: bool =) -> dict[str, int]"' in out, out
    assert 'def (name: builtins.str) -> builtins.str"' in out or 'def (name: str) -> str"' in out, out
    assert 'Argument 1 to "view" has incompatible type "str"; expected "int"' in out, out
    assert out.count("error:") == 1, out


def test_flask_rate_limit_refusal_is_bulwarks_rate_limit_error():
    import bulwark
    from bulwark import flask as bw_flask
    from bulwark.ratelimit import RateLimiter

    decision = RateLimiter("memory://", "fixed-window").hit("k", "1/minute", cost=2)  # never fits
    assert not decision.allowed
    exc = bw_flask.RateLimitExceeded(decision)
    assert isinstance(exc, bulwark.RateLimitExceeded) and isinstance(exc, bulwark.BulwarkError)
    assert exc.code == 429 and exc.decision is decision
    try:
        raise exc
    except bulwark.RateLimitExceeded as caught:  # one except serves every door
        assert caught.get_response().status_code == 429
