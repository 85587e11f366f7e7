"""Bearer tokens and role/permission checks come from core's one rule in every Python door
(bulwark.flask, bulwark.asgi, TokenVerifier), and the verifier the web doors hold is core's."""

from __future__ import annotations

import time

import pytest

from bulwark import _native, jwt
from bulwark._web import TokenVerifier, bearer_token

KEY = "grants-test-secret-0123456789abcdef" * 2  # long enough for HS384 too


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("  bEaReR   abc  ", "abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer a b", None),
        ("Bearer\tabc", None),
        ("Bearerabc", None),
        ("Bearer " + "a" * (16 * 1024), None),  # longer than any token: refused before decoding
    ],
)
def test_bearer_token(header, token):
    assert bearer_token(header) == token


def test_bearer_token_with_hostile_text():
    # Lone surrogates cannot cross into Rust as UTF-8: a clear error, never a crash.
    with pytest.raises(UnicodeEncodeError):
        bearer_token("Bearer \ud800")


def test_grants_read_roles_and_permissions_by_core_rule():
    g = _native.Grants()
    claims = {"roles": ["editor", 3, None], "role": "viewer", "permissions": ["p1"], "scope": "s1  s2", "scp": ("s3",)}
    assert g.roles(claims) == {"editor", "viewer"}
    assert g.permissions(claims) == {"p1", "s1", "s2", "s3"}
    assert g.allows(claims)
    assert g.allows(claims, "editor", ["p1", "s3"])
    assert g.allows(claims, ["admin", "viewer"])
    assert not g.allows(claims, "admin")
    assert not g.allows(claims, None, ["p1", "s4"])
    # A roles string is one role, never split; values of other types grant nothing.
    assert not g.allows({"roles": "admin user"}, "admin")
    assert not g.allows({"roles": {"admin": True}, "scope": 7}, "admin")
    assert not g.allows({"scope": 7}, None, "7")
    custom = _native.Grants("groups", "perms")
    assert custom.allows({"groups": ["ops"], "perms": ["deploy"]}, "ops", "deploy")
    assert not custom.allows({"roles": ["ops"]}, "ops")
    with pytest.raises(TypeError, match="role"):
        g.allows(claims, 5)


def token(**claims):
    claims.setdefault("exp", int(time.time()) + 60)
    return jwt.encode(claims, KEY, algorithm="HS256")


def tampered(tok: str) -> str:
    head, sig = tok.rsplit(".", 1)
    return head + "." + sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]


def test_token_verifier_holds_cores_verifier_and_matches_jwt_decode():
    v = TokenVerifier(KEY, ["HS256"], issuer="iss-1", audience="aud-1")
    good = token(sub="u", iss="iss-1", aud="aud-1", n=2**70)  # a big integer stays exact
    assert v.verify(good) == jwt.decode(good, KEY, algorithms=["HS256"], issuer="iss-1", audience="aud-1")
    assert v.verify(good)["n"] == 2**70
    assert v.verify(good.encode())["sub"] == "u"
    refusals = {
        token(sub="u", iss="iss-2", aud="aud-1"): jwt.InvalidIssuerError,
        token(sub="u", iss="iss-1", aud="aud-2"): jwt.InvalidAudienceError,
        token(sub="u", iss="iss-1", aud="aud-1", exp=int(time.time()) - 120): jwt.ExpiredSignatureError,
        jwt.encode({"sub": "u", "iss": "iss-1", "aud": "aud-1"}, KEY, algorithm="HS256"): jwt.MissingRequiredClaimError,
        tampered(good): jwt.InvalidSignatureError,
        jwt.encode({"exp": int(time.time()) + 60}, KEY, algorithm="HS384"): jwt.InvalidAlgorithmError,
        "not.a.token": jwt.DecodeError,
    }
    for bad, error in refusals.items():
        with pytest.raises(error):
            v.verify(bad)
        # The same token through PyJWT's decode raises the same class.
        with pytest.raises(error):
            jwt.decode(bad, KEY, algorithms=["HS256"], issuer="iss-1", audience="aud-1", options={"require": ["exp"]})


def test_token_verifier_refuses_bad_configuration_at_start_up():
    with pytest.raises(ValueError, match="list"):
        TokenVerifier(KEY, "HS256")
    with pytest.raises(ValueError, match="empty"):
        TokenVerifier(KEY, [])
    with pytest.raises(ValueError, match="mixes"):
        TokenVerifier(KEY, ["HS256", "RS256"])
    with pytest.raises(ValueError, match="not supported"):
        TokenVerifier(KEY, ["HS999"])
    with pytest.raises(jwt.InvalidKeyError, match="empty"):
        TokenVerifier("", ["HS256"])
    with pytest.raises(ValueError, match="key is required"):
        TokenVerifier(None, ["HS256"])
    with pytest.raises(ValueError, match="signatures"):
        _native.JwtVerifier(KEY, ["HS256"], options={"verify_signature": False})


def test_token_verifier_authorizes_by_core_rule():
    v = TokenVerifier(KEY, ["HS256"], roles_claim="groups")
    claims = v.verify(token(sub="u", groups=["ops"], scope="a b"))
    assert v.authorized(claims, "ops", ["a", "b"])
    assert not v.authorized(claims, "admin", None)
    assert v.roles(claims) == frozenset({"ops"})
    assert v.permissions(claims) == frozenset({"a", "b"})
