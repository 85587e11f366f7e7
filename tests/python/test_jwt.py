"""bulwark.jwt against PyJWT: same API, same tokens both ways, every attack refused with PyJWT's
exception, RFC known answers, a JWKS client that survives its identity provider going down, and a
round trip through the C door."""

import base64
import ctypes
import datetime
import http.server
import json
import threading
import time

import jwt as pyjwt
import pytest

from bulwark import exceptions as bw_exc
from bulwark import jwt
from conftest import load_vectors, releases_gil

ADMIN = '{"sub":"admin"}'
SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
_PAIRS = {}


def keys_for(alg):
    """(signing key, verifying key) for alg: the secret, or a generated PEM pair (cached per type)."""
    if alg.startswith("HS"):
        return SECRET, SECRET
    kind = {"R": "RS256", "P": "RS256", "E": alg if alg.startswith("ES") else "EdDSA"}[alg[0]]
    if kind not in _PAIRS:
        _PAIRS[kind] = jwt.generate_key_pair(kind)
    return _PAIRS[kind]


def b64(data):
    return base64.urlsafe_b64encode(data if isinstance(data, bytes) else data.encode()).rstrip(b"=").decode()


def forge(header, payload, secret=SECRET):
    """A token over raw header/payload text, HS256-signed with PyJWT's primitives."""
    import hashlib
    import hmac

    signing_input = f"{b64(header)}.{b64(payload)}"
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(sig)}"


# ----------------------------------------------------------------------------- interop


@pytest.mark.parametrize("alg", ALGS)
def test_tokens_interoperate_with_pyjwt_both_ways(alg):
    private, public = keys_for(alg)
    claims = {"sub": "alice", "n": 2**70 + 1, "f": 1.5, "l": [1, "é", None, True], "exp": int(time.time()) + 60}
    ours = jwt.encode(claims, private, algorithm=alg, headers={"kid": "k1"})
    theirs = pyjwt.encode(claims, private, algorithm=alg, headers={"kid": "k1"})
    assert pyjwt.decode(ours, public, algorithms=[alg]) == claims
    assert jwt.decode(theirs, public, algorithms=[alg]) == claims
    assert jwt.get_unverified_header(ours) == pyjwt.get_unverified_header(ours)
    if alg[:2] in ("HS", "RS") or alg == "EdDSA":
        # Deterministic signatures: the very same token bytes as PyJWT.
        assert ours == theirs
    complete = jwt.decode_complete(theirs, public, algorithms=[alg])
    ref = pyjwt.decode_complete(theirs, public, algorithms=[alg])
    assert complete["header"] == ref["header"] and complete["payload"] == ref["payload"]
    assert complete["signature"] == ref["signature"]


def test_keys_as_bytes_jwk_dicts_pyjwk_and_cryptography_objects():
    from cryptography.hazmat.primitives import serialization

    private, public = keys_for("ES256")
    token = jwt.encode({"a": 1}, private.encode(), algorithm="ES256")
    assert jwt.decode(token, public.encode(), algorithms=["ES256"]) == {"a": 1}
    crypto_public = serialization.load_pem_public_key(public.encode())
    crypto_private = serialization.load_pem_private_key(private.encode(), None)
    assert jwt.decode(token, crypto_public, algorithms=["ES256"]) == {"a": 1}
    assert jwt.decode(jwt.encode({"b": 2}, crypto_private, algorithm="ES256"), public, algorithms=["ES256"]) == {"b": 2}
    jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(crypto_public))
    jwk["kid"] = "ec1"
    assert jwt.decode(token, jwk, algorithms=["ES256"]) == {"a": 1}
    pyjwk = jwt.PyJWK(jwk)
    assert (pyjwk.key_id, pyjwk.key_type) == ("ec1", "EC")
    assert jwt.decode(token, pyjwk, algorithms=["ES256"]) == {"a": 1}
    assert jwt.decode(token, pyjwk.key, algorithms=["ES256"]) == {"a": 1}
    # A private JWK signs; PyJWT verifies what it signed.
    private_jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(crypto_private))
    signed = jwt.encode({"c": 3}, private_jwk, algorithm="ES256")
    assert pyjwt.decode(signed, public, algorithms=["ES256"]) == {"c": 3}
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"c": 3}, jwt.PyJWK(jwk), algorithm="ES256")


def test_datetime_claims_become_timestamps_as_pyjwt_does():
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    naive = datetime.datetime.utcnow() - datetime.timedelta(seconds=1)  # noqa: DTZ003 (the seeds do this)
    payload = {"exp": exp, "iat": naive, "nbf": naive, "sub": "u"}
    ours = jwt.encode(payload, SECRET)
    assert ours == pyjwt.encode(payload, SECRET, algorithm="HS256")
    claims = jwt.decode(ours, SECRET, algorithms=["HS256"])
    assert claims["exp"] == int(exp.timestamp()) and isinstance(claims["iat"], int)


def test_encode_refuses_what_pyjwt_refuses():
    with pytest.raises(TypeError):
        jwt.encode(["not", "a", "dict"], SECRET)
    with pytest.raises(TypeError):
        jwt.encode({"iss": 5}, SECRET)
    with pytest.raises(TypeError):
        jwt.encode({"when": object()}, SECRET)
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.encode({}, SECRET, algorithm="none")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.encode({}, SECRET, algorithm="HS999")
    # PyJWT makes an unsigned token for algorithm=None; Bulwark refuses.
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.encode({}, SECRET, algorithm=None)
    # Numbers beyond a double: no decoder of ours could read the token, so it is not signed
    # (found by fuzzing; PyJWT signs it and reads 1e400 back as inf).
    with pytest.raises(bw_exc.InvalidInputError, match="out of range"):
        jwt.encode({"x": 10**400}, SECRET)


# ----------------------------------------------------------------------------- the seed


class APIAuth:
    """The seeds' token helper, verbatim but for the import (`from bulwark import jwt`)."""

    def __init__(self, secret_key, algorithm="HS256", expires_minutes=30):
        self.secret_key = secret_key
        self.algorithm = algorithm
        self.expires = datetime.timedelta(minutes=expires_minutes)

    def generate_token(self, user_id, role="user"):
        payload = {
            "user_id": user_id,
            "role": role,
            "exp": datetime.datetime.utcnow() + self.expires,  # noqa: DTZ003
            "iat": datetime.datetime.utcnow(),  # noqa: DTZ003
        }
        return jwt.encode(payload, self.secret_key, algorithm=self.algorithm)

    def verify_token(self, token):
        try:
            return jwt.decode(token, self.secret_key, algorithms=[self.algorithm])
        except jwt.ExpiredSignatureError:
            return {"error": "Token expired"}
        except jwt.InvalidTokenError:
            return {"error": "Invalid token"}


def test_the_seed_api_auth_class_runs_on_bulwark():
    auth = APIAuth(SECRET)
    token = auth.generate_token(42, role="admin")
    claims = auth.verify_token(token)
    assert claims["user_id"] == 42 and claims["role"] == "admin"
    assert APIAuth(SECRET[::-1]).verify_token(token) == {"error": "Invalid token"}
    expired = APIAuth(SECRET, expires_minutes=-1).generate_token(1)
    assert auth.verify_token(expired) == {"error": "Token expired"}
    assert auth.verify_token("garbage") == {"error": "Invalid token"}
    # PyJWT reads Bulwark's tokens and the other way round.
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"])["user_id"] == 42


# ----------------------------------------------------------------------------- known answers


def test_rfc7515_appendix_a():
    vectors = load_vectors("rfc/rfc7515_jws.json")
    for ex in vectors["examples"]:
        key = ex.get("public_jwk", ex["jwk"])
        claims = jwt.decode(ex["compact"], key, algorithms=[ex["alg"]], options={"verify_exp": False})
        assert claims == json.loads(ex["payload_json"])
        with pytest.raises(jwt.ExpiredSignatureError):
            jwt.decode(ex["compact"], key, algorithms=[ex["alg"]])
        if ex["deterministic"]:
            header = jwt.get_unverified_header(ex["compact"])
            assert header["alg"] == ex["alg"]


def test_rfc8037_eddsa():
    v = load_vectors("rfc/rfc8037_eddsa.json")
    compact = v["jws"]["compact"]
    # The signature verifies, then the payload is found not to be JSON claims.
    with pytest.raises(jwt.DecodeError) as e:
        jwt.decode(compact, v["public_jwk"], algorithms=["EdDSA"])
    assert not isinstance(e.value, jwt.InvalidSignatureError)
    head, payload, sig = compact.split(".")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{b64('Example of Ed25519 signinG')}.{sig}", v["public_jwk"], algorithms=["EdDSA"])
    # Our key from the private JWK signs what the RFC's public key verifies.
    token = jwt.encode({"sub": "rfc8037"}, v["private_jwk"], algorithm="EdDSA")
    assert jwt.decode(token, v["public_jwk"], algorithms=["EdDSA"]) == {"sub": "rfc8037"}


# ----------------------------------------------------------------------------- attacks


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("sig", ["", "c2ln"])
def test_alg_none_is_refused_in_any_spelling(alg, sig):
    token = f"{b64(json.dumps({'alg': alg, 'typ': 'JWT'}))}.{b64(ADMIN)}.{sig}"
    for algorithms in (["HS256"], [alg], ["none", "HS256"]):
        with pytest.raises(jwt.InvalidAlgorithmError):
            jwt.decode(token, SECRET, algorithms=algorithms)
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, options={"verify_signature": False})


def test_hs256_signed_with_the_rsa_public_key_is_refused():
    _, public = keys_for("RS256")
    forged = forge('{"alg":"HS256","typ":"JWT"}', '{"sub":"admin"}', secret=public)
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(forged, public, algorithms=["RS256"])
    # Even a careless allow-list with both never reads the PEM as an HMAC secret.
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, public, algorithms=["RS256", "HS256"])
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"sub": "admin"}, public, algorithm="HS256")


def test_allow_list_is_enforced():
    token = jwt.encode({"a": 1}, SECRET, algorithm="HS256")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, SECRET, algorithms=["HS512"])
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, SECRET, algorithms=[])
    with pytest.raises(jwt.DecodeError, match="algorithms"):
        jwt.decode(token, SECRET)
    # A plain string is one algorithm, not a substring test.
    assert jwt.decode(token, SECRET, algorithms="HS256") == {"a": 1}
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, SECRET, algorithms="HS256,HS512" if False else "S256")


def test_tampering_and_malformed_tokens():
    token = jwt.encode({"sub": "alice"}, SECRET)
    head, payload, sig = token.split(".")
    cases = {
        f"{head}.{payload}.": jwt.InvalidSignatureError,
        f"{head}.{payload}.{sig[:32]}": jwt.InvalidSignatureError,
        f"{head}.{b64(ADMIN)}.{sig}": jwt.InvalidSignatureError,
        f"{head}.{payload}": jwt.DecodeError,
        f"{head}=.{payload}.{sig}": jwt.DecodeError,
        f"{head}.{payload}.{sig}=": jwt.DecodeError,
        f"{head}.{payload.replace('e', '+', 1)}.{sig}": jwt.DecodeError,
        f"{head}.{payload}.{sig}.x": jwt.DecodeError,
        forge('{"alg":"HS256"}', "not json"): jwt.DecodeError,
        forge('{"alg":"HS256"}', "[1]"): jwt.DecodeError,
        forge('{"alg":"HS256"}', '{"a":1,"a":2}'): jwt.DecodeError,
        forge('{"alg":"HS256"}', "[" * 40 + "]" * 40): jwt.DecodeError,
        forge('{"alg":"HS256"}', '{"a":' + "[" * 40 + "]" * 40 + "}"): jwt.DecodeError,
        forge('{"alg":"HS256","crit":["exp"],"exp":1}', "{}"): jwt.DecodeError,
        forge('{"alg":"HS256"}', json.dumps({"pad": "x" * 9000})): jwt.DecodeError,
        "": jwt.DecodeError,
    }
    for bad, exc in cases.items():
        with pytest.raises(exc):
            jwt.decode(bad, SECRET, algorithms=["HS256"])
    with pytest.raises(jwt.DecodeError):
        jwt.decode(12345, SECRET, algorithms=["HS256"])
    # Every refusal is an InvalidTokenError, so the seeds' catch-all still catches it.
    assert issubclass(jwt.InvalidSignatureError, jwt.DecodeError)


def test_short_hmac_secrets_need_an_explicit_opt_out():
    with pytest.raises(jwt.InvalidKeyError, match="32"):
        jwt.encode({"a": 1}, "secret")
    lax = jwt.PyJWT({"enforce_minimum_key_length": False})
    token = lax.encode({"a": 1}, "secret")
    assert token == pyjwt.encode({"a": 1}, "secret", algorithm="HS256")
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(token, "secret", algorithms=["HS256"])
    assert jwt.decode(token, "secret", algorithms=["HS256"], options={"enforce_minimum_key_length": False}) == {"a": 1}
    assert lax.decode(token, "secret", algorithms=["HS256"]) == {"a": 1}


# ----------------------------------------------------------------------------- claims


def test_time_claims_and_leeway():
    now = int(time.time())
    expired = jwt.encode({"exp": now - 10}, SECRET)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, SECRET, algorithms=["HS256"])
    assert jwt.decode(expired, SECRET, algorithms=["HS256"], leeway=60)["exp"] == now - 10
    assert jwt.decode(expired, SECRET, algorithms=["HS256"], leeway=datetime.timedelta(minutes=1))
    assert jwt.decode(expired, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    future = jwt.encode({"nbf": now + 100}, SECRET)
    with pytest.raises(jwt.ImmatureSignatureError, match="nbf"):
        jwt.decode(future, SECRET, algorithms=["HS256"])
    iat = jwt.encode({"iat": now + 100}, SECRET)
    with pytest.raises(jwt.ImmatureSignatureError, match="iat") as e:
        jwt.decode(iat, SECRET, algorithms=["HS256"])
    assert isinstance(e.value, jwt.InvalidIssuedAtError)
    with pytest.raises(jwt.InvalidIssuedAtError):
        jwt.decode(jwt.encode({"iat": "yesterday"}, SECRET), SECRET, algorithms=["HS256"])
    with pytest.raises(jwt.DecodeError):
        jwt.decode(jwt.encode({"exp": "soon"}, SECRET), SECRET, algorithms=["HS256"])
    # Exceptions are Bulwark's too.
    assert issubclass(jwt.ExpiredSignatureError, bw_exc.ExpiredError)
    assert issubclass(jwt.PyJWTError, bw_exc.BulwarkError)


def test_audience_issuer_subject_required_as_pyjwt():
    token = jwt.encode({"aud": ["web", "api"], "iss": "https://idp", "sub": "u1", "jti": "j"}, SECRET)
    for kwargs in ({"audience": "api"}, {"audience": ["x", "web"]}):
        assert jwt.decode(token, SECRET, algorithms=["HS256"], **kwargs)["sub"] == "u1"
        assert pyjwt.decode(token, SECRET, algorithms=["HS256"], **kwargs)["sub"] == "u1"
    for mod in (jwt, pyjwt):
        with pytest.raises(mod.InvalidAudienceError):
            mod.decode(token, SECRET, algorithms=["HS256"])
        with pytest.raises(mod.InvalidAudienceError):
            mod.decode(token, SECRET, algorithms=["HS256"], audience="other")
        with pytest.raises(mod.InvalidIssuerError):
            mod.decode(token, SECRET, algorithms=["HS256"], audience="api", issuer="https://evil")
        mod.decode(token, SECRET, algorithms=["HS256"], audience="api", issuer=["https://old", "https://idp"])
        with pytest.raises(mod.MissingRequiredClaimError) as e:
            mod.decode(token, SECRET, algorithms=["HS256"], audience="api", options={"require": ["exp"]})
        assert e.value.claim == "exp" and str(e.value) == 'Token is missing the "exp" claim'
        with pytest.raises(mod.InvalidAudienceError):
            mod.decode(token, SECRET, algorithms=["HS256"], audience="api", options={"strict_aud": True})
    no_aud = jwt.encode({"sub": "u1"}, SECRET)
    with pytest.raises(jwt.MissingRequiredClaimError):
        jwt.decode(no_aud, SECRET, algorithms=["HS256"], audience="api")
    assert jwt.decode(no_aud, SECRET, algorithms=["HS256"], subject="u1") == {"sub": "u1"}
    with pytest.raises(jwt.InvalidSubjectError):
        jwt.decode(no_aud, SECRET, algorithms=["HS256"], subject="u2")
    with pytest.raises(jwt.InvalidJTIError):
        jwt.decode(jwt.encode({"jti": 5}, SECRET), SECRET, algorithms=["HS256"])


def test_unverified_decoding_skips_checks_unless_asked():
    token = jwt.encode({"exp": 1, "aud": "x"}, SECRET)
    assert jwt.decode(token, options={"verify_signature": False}) == {"exp": 1, "aud": "x"}
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, options={"verify_signature": False, "verify_exp": True})
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


# ----------------------------------------------------------------------------- JWKS


class _JWKSHandler(http.server.BaseHTTPRequestHandler):
    body = b"{}"
    hits = 0

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


class _IdP:
    """A local JWKS endpoint that can be stopped and started again on the same port."""

    def __init__(self):
        self.server = http.server.HTTPServer(("127.0.0.1", 0), _JWKSHandler)
        self.port = self.server.server_address[1]
        self._serve()

    def _serve(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def start(self):
        self.server = http.server.HTTPServer(("127.0.0.1", self.port), _JWKSHandler)
        self._serve()


def test_jwks_client_survives_an_outage_and_bounds_refetches():
    private, public = keys_for("ES256")
    from cryptography.hazmat.primitives import serialization

    jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(serialization.load_pem_public_key(public.encode())))
    jwk.update(kid="k1", use="sig")
    _JWKSHandler.body = json.dumps({"keys": [jwk, {"kty": "oct", "k": "AAAA", "use": "enc"}]}).encode()
    _JWKSHandler.hits = 0
    idp = _IdP()
    try:
        client = jwt.PyJWKClient(f"http://127.0.0.1:{idp.port}/jwks", lifespan=0.2, timeout=2, min_refetch_interval=0.5)
        token = jwt.encode({"sub": "s"}, private, algorithm="ES256", headers={"kid": "k1"})
        key = client.get_signing_key_from_jwt(token)
        assert jwt.decode(token, key.key, algorithms=["ES256"]) == {"sub": "s"}
        assert _JWKSHandler.hits == 1
        # A flood of unknown kids costs at most one refetch per interval.
        for i in range(50):
            with pytest.raises(jwt.PyJWKClientError):
                client.get_signing_key(f"forged-{i}")
        assert _JWKSHandler.hits <= 2
        # The IdP goes down: after the lifespan, refreshes fail, the last good keys keep working.
        idp.stop()
        time.sleep(0.6)
        assert client.get_signing_key("k1").key_id == "k1"
        # It comes back: the next refresh after the interval fetches again.
        idp.start()
        time.sleep(0.6)
        before = _JWKSHandler.hits
        assert client.get_signing_key("k1").key_id == "k1"
        assert _JWKSHandler.hits == before + 1
    finally:
        idp.stop()


def test_jwks_client_limits_size_and_reports_unreachable():
    _JWKSHandler.body = b'{"keys": [' + b" " * 5000 + b"]}"
    idp = _IdP()
    try:
        client = jwt.PyJWKClient(f"http://127.0.0.1:{idp.port}/", max_response_bytes=1000)
        with pytest.raises(jwt.PyJWKClientConnectionError, match="larger"):
            client.get_jwk_set()
    finally:
        idp.stop()
    dead = jwt.PyJWKClient(f"http://127.0.0.1:{idp.port}/", timeout=1)
    with pytest.raises(jwt.PyJWKClientConnectionError):
        dead.get_signing_keys()
    # Within the interval a second call fails fast, without another connection attempt.
    with pytest.raises(jwt.PyJWKClientConnectionError, match="retried"):
        dead.get_signing_keys()


def test_pyjwkset_skips_unusable_keys():
    s = jwt.PyJWKSet.from_dict({"keys": [{"kty": "oct", "k": b64(SECRET), "kid": "a"}, {"kty": "XX"}]})
    assert len(s) == 1 and s["a"].key_type == "oct"
    with pytest.raises(KeyError):
        s["b"]
    with pytest.raises(jwt.PyJWKSetError):
        jwt.PyJWKSet.from_dict({"keys": [{"kty": "XX"}]})
    # An encryption key ("use": "enc") is never a verification key, by core's rule (as JwkSet).
    enc = {"kty": "oct", "k": b64(SECRET), "kid": "e", "use": "enc"}
    s = jwt.PyJWKSet([enc, {"kty": "oct", "k": b64(SECRET), "kid": "s", "use": "sig"}])
    assert [k.key_id for k in s.keys] == ["s"]
    with pytest.raises(jwt.PyJWKSetError):
        jwt.PyJWKSet([enc])


# ----------------------------------------------------------------------------- C door


class VerifierOptions(ctypes.Structure):
    """bw_jwt_verifier_options; its first field is its size, set by __init__."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("algorithms", ctypes.c_char_p), ("algorithms_len", ctypes.c_size_t),
        ("key", ctypes.c_char_p), ("key_len", ctypes.c_size_t),
        ("jwks", ctypes.c_char_p), ("jwks_len", ctypes.c_size_t),
        ("issuers", ctypes.c_char_p), ("issuers_len", ctypes.c_size_t),
        ("audiences", ctypes.c_char_p), ("audiences_len", ctypes.c_size_t),
        ("subject", ctypes.c_char_p), ("subject_len", ctypes.c_size_t),
        ("required_claims", ctypes.c_char_p), ("required_claims_len", ctypes.c_size_t),
        ("leeway_seconds", ctypes.c_uint32), ("max_token_len", ctypes.c_size_t), ("flags", ctypes.c_uint32),
    ]

    def __init__(self, **fields):
        super().__init__(size=ctypes.sizeof(self), **fields)


def test_c_door_round_trip_with_python_and_pyjwt(clib):
    private, public = keys_for("EdDSA")
    claims = b'{"sub":"c","n":1}'
    buf, n = ctypes.create_string_buffer(1024), ctypes.c_size_t()
    rc = clib.bw_jwt_encode(b"EdDSA", 5, private.encode(), len(private), claims, len(claims), None, 0, buf, 1024, n)
    assert rc == 0
    c_token = buf.value.decode()
    assert jwt.decode(c_token, public, algorithms=["EdDSA"]) == {"sub": "c", "n": 1}
    assert pyjwt.decode(c_token, public, algorithms=["EdDSA"]) == {"sub": "c", "n": 1}
    opts = VerifierOptions(algorithms=b"EdDSA", algorithms_len=5, key=public.encode(), key_len=len(public))
    handle = ctypes.c_void_p()
    assert clib.bw_jwt_verifier_new(ctypes.byref(opts), ctypes.byref(handle)) == 0
    try:
        py_token = pyjwt.encode({"from": "pyjwt"}, private, algorithm="EdDSA").encode()
        assert clib.bw_jwt_verifier_verify(handle, py_token, len(py_token), buf, 1024, n) == 0
        assert json.loads(buf.value) == {"from": "pyjwt"}
        forged = forge('{"alg":"HS256"}', '{"from":"evil"}').encode()
        assert clib.bw_jwt_verifier_verify(handle, forged, len(forged), buf, 1024, n) == 409
    finally:
        clib.bw_jwt_verifier_free(handle)


def test_rsa_signing_lets_other_threads_run():
    private, _ = keys_for("RS256")
    jwt.encode({"warm": 1}, private, algorithm="RS256")  # parse and cache the key first
    assert releases_gil(lambda: jwt.encode({"i": 1}, private, algorithm="RS256"))


def test_short_hmac_signing_keeps_the_gil():
    """The control for the test above: a microsecond HMAC call is not worth a GIL round trip, and
    the helper sees that it holds the GIL (so a pass above is not the helper's artefact)."""
    key = b"k" * 32
    assert not releases_gil(lambda: jwt.encode({"i": 1}, key, algorithm="HS256"), tries=50)


def test_jwks_selection_is_cores_rule_everywhere():
    """PyJWKSet[kid], PyJWKClient's key choice and core's JwkSet pick by the same rule: the key
    with the token's kid (the first one), or with no kid the only key; never another key."""
    from bulwark import _native

    assert _native.jwk_select(["a", "b", "b"], "b") == 1
    assert _native.jwk_select(["a", "b"], "c") is None
    assert _native.jwk_select(["a", "b"], None) is None
    assert _native.jwk_select([None], None) == 0
    assert _native.jwk_select([], None) is None
    k1 = {"kty": "oct", "kid": "one", "k": "YSBzZWNyZXQgb2YgYXQgbGVhc3QgdGhpcnR5LXR3byBieXRlcyE"}
    k2 = dict(k1, kid="two")
    keyset = jwt.PyJWKSet([k1, k2])
    assert keyset["two"].key_id == "two"
    with pytest.raises(KeyError):
        keyset["three"]
    assert jwt.PyJWKClient._match(keyset.keys, "one").key_id == "one"
    assert jwt.PyJWKClient._match(keyset.keys, None) is None
    assert jwt.PyJWKClient._match(keyset.keys[:1], None).key_id == "one"


def test_pyjwt_modules_algorithms_utils_and_options_match_pyjwt():
    """jwt.algorithms / jwt.utils / jwt.types / jwt.warnings / jwt.api_jwt, side by side with
    PyJWT: signatures, JWK conversions and helpers agree both ways; keys are typed by core."""
    import json as _json

    import jwt as real
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    from bulwark.jwt import algorithms, api_jwt, utils
    from bulwark.jwt.warnings import RemovedInPyjwt3Warning

    assert issubclass(RemovedInPyjwt3Warning, DeprecationWarning) and api_jwt.PyJWT is jwt.PyJWT
    ours, theirs = algorithms.get_default_algorithms(), real.algorithms.get_default_algorithms()
    secret, msg = b"k" * 64, b"header.payload"
    for name in ("HS256", "HS384", "HS512"):
        sig = ours[name].sign(msg, ours[name].prepare_key(secret))
        assert sig == theirs[name].sign(msg, theirs[name].prepare_key(secret))
        assert ours[name].verify(msg, secret, sig) and not ours[name].verify(msg + b"x", secret, sig)
        assert ours[name].from_jwk(ours[name].to_jwk(secret)) == secret
    keys = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "PS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "ES384": ec.generate_private_key(ec.SECP384R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }
    for name, private in keys.items():
        public = private.public_key()
        assert theirs[name].verify(msg, public, ours[name].sign(msg, private))
        assert ours[name].verify(msg, public, theirs[name].sign(msg, private))
        assert not ours[name].verify(msg + b"x", public, theirs[name].sign(msg, private))
        for key in (private, public):
            jwk = _json.loads(ours[name].to_jwk(key))
            assert jwk == {k: v for k, v in _json.loads(theirs[name].to_jwk(key)).items() if k in jwk}
            back = ours[name].from_jwk(jwk)
            assert _json.loads(theirs[name].to_jwk(back)) == _json.loads(theirs[name].to_jwk(key))
    # Core types keys for prepare_key: a public key is never an HMAC secret.
    from cryptography.hazmat.primitives import serialization

    pem = keys["ES256"].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(jwt.InvalidKeyError):
        ours["HS256"].prepare_key(pem)
    assert utils.is_pem_format(pem) and real.utils.is_pem_format(pem)
    assert isinstance(ours["ES256"].prepare_key(pem), ec.EllipticCurvePublicKey)
    for n in (0, 1, 255, 65537, 2**200):
        assert utils.to_base64url_uint(n) == real.utils.to_base64url_uint(n)
        assert utils.from_base64url_uint(utils.to_base64url_uint(n)) == n
    assert utils.is_ssh_key(b"ssh-ed25519 AAAA") and not utils.is_ssh_key(b"secret")
    with pytest.raises(TypeError):
        utils.force_bytes({})
    # PyJWT's issuer check on a decoded payload, by core's rule, as PyJWT answers it.
    for issuer in (["urn:a", "urn:b"], ("urn:a",), {"urn:a"}, "urn:a"):
        jwt.PyJWT()._validate_iss({"iss": "urn:a"}, issuer)
        real.PyJWT()._validate_iss({"iss": "urn:a"}, issuer)
    for payload, issuer in (({"iss": 123}, "123"), ({"iss": "123"}, 123), ({"iss": "a"}, "b")):
        for impl, error in ((jwt.PyJWT(), jwt.InvalidIssuerError), (real.PyJWT(), real.InvalidIssuerError)):
            with pytest.raises(error):
                impl._validate_iss(payload, issuer)
    # PyJWT(options=...) holds every option, merged with the defaults.
    assert jwt.PyJWT(options={"verify_signature": False}).options["verify_exp"] is False
    assert jwt.PyJWT().options["strict_aud"] is False and jwt.PyJWT().options["require"] == []
    with pytest.raises(jwt.InvalidKeyError):
        algorithms.NoneAlgorithm().prepare_key("a key")
    assert not algorithms.NoneAlgorithm().verify(msg, None, b"")
    # RSA keys below core's minimum are named by check_key_length (and refused when used).
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert "1024" in (ours["RS256"].check_key_length(small) or "")
    assert ours["RS256"].check_key_length(keys["RS256"]) is None
    with pytest.raises(jwt.InvalidKeyError, match="2048"):
        ours["RS256"].sign(msg, small)


def test_encode_with_a_pyjwk_takes_its_algorithm():
    jwk = jwt.PyJWK({"kty": "oct", "k": base64.urlsafe_b64encode(b"k" * 48).rstrip(b"=").decode(), "alg": "HS384"})
    for token in (jwt.encode({"a": 1}, jwk), jwt.encode({"a": 1}, jwk, algorithm=None), jwt.PyJWT().encode({"a": 1}, jwk)):
        assert jwt.get_unverified_header(token)["alg"] == "HS384"
    assert jwt.decode(jwt.encode({"a": 1}, jwk), jwk, algorithms=["HS384"]) == {"a": 1}
    # Without a PyJWK: HS256 by default; algorithm=None is "none", which Bulwark never signs.
    assert jwt.get_unverified_header(jwt.encode({}, SECRET))["alg"] == "HS256"
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.PyJWT().encode({}, SECRET, algorithm=None)


def test_jwks_client_cache_object_expiry_and_signing_key_messages():
    from bulwark.jwt.jwk_set_cache import JWKSetCache

    _JWKSHandler.body = json.dumps({"keys": [{"kty": "oct", "k": "AAAA", "use": "enc"}]}).encode()
    _JWKSHandler.hits = 0
    idp = _IdP()
    try:
        url = f"http://127.0.0.1:{idp.port}/jwks"
        assert isinstance(jwt.PyJWKClient(url).jwk_set_cache, JWKSetCache)
        assert jwt.PyJWKClient(url, cache_jwk_set=False).jwk_set_cache is None
        # Only encryption keys: PyJWT's message, not a generic one.
        with pytest.raises(jwt.PyJWKClientError, match="did not contain any signing keys"):
            jwt.PyJWKClient(url).get_signing_keys()
        secret_jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(b"k" * 32).rstrip(b"=").decode(), "kid": "a"}
        _JWKSHandler.body = json.dumps({"keys": [secret_jwk]}).encode()
        # A set that merely expired after a good fetch is fetched again (the refetch bound is for
        # unknown kids and failures), and the cache object holds what was fetched.
        client = jwt.PyJWKClient(url, lifespan=0.2, min_refetch_interval=60)
        before = _JWKSHandler.hits
        client.get_jwk_set()
        assert client.jwk_set_cache is not None and client.jwk_set_cache.get() is not None
        time.sleep(0.3)
        assert client.jwk_set_cache.is_expired()
        client.get_jwk_set()
        assert _JWKSHandler.hits == before + 2
    finally:
        idp.stop()


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "ES384", "EdDSA"])
def test_openssh_public_keys_verify_as_pyjwt_reads_them(alg):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    private = {
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate,
    }[alg]()
    ssh = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    ours = jwt.encode({"sub": "s"}, private, algorithm=alg)
    theirs = pyjwt.encode({"sub": "s"}, private, algorithm=alg)
    for token in (ours, theirs):
        assert jwt.decode(token, ssh, algorithms=[alg]) == {"sub": "s"}
        assert jwt.decode(token, ssh.decode() + " comment", algorithms=[alg]) == {"sub": "s"}
        assert pyjwt.decode(token, ssh, algorithms=[alg]) == {"sub": "s"}
    # An OpenSSH key is never an HMAC secret (GHSA-ffqj-6fqr-9h24).
    forged = pyjwt.api_jws.PyJWS().encode(b'{"sub":"s"}', b"k" * 32, algorithm="HS256")
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, ssh, algorithms=["HS256"])


@pytest.mark.parametrize("alg", ["HS256", "HS512", "RS256", "PS384", "ES256", "ES384", "EdDSA"])
def test_pyjws_signs_any_bytes_both_ways_with_pyjwt(alg):
    """jwt.PyJWS side by side with PyJWT's PyJWS: each verifies what the other signed, over a
    payload that is not JSON, and both report the same header and payload."""
    private, public = keys_for(alg)
    payload = b"\x00\xff not json \x80"
    ours, theirs = jwt.PyJWS(), pyjwt.PyJWS()
    for signer, verifier in ((ours, theirs), (theirs, ours), (ours, ours)):
        token = signer.encode(payload, private, algorithm=alg, headers={"kid": "k1"})
        got = verifier.decode_complete(token, public, algorithms=[alg])
        assert got["payload"] == payload and got["header"]["kid"] == "k1" and got["header"]["alg"] == alg
        assert ours.get_unverified_header(token) == theirs.get_unverified_header(token)
    token = ours.encode(payload, private, algorithm=alg)
    with pytest.raises(jwt.InvalidAlgorithmError):
        ours.decode(token, public, algorithms=["HS384" if alg != "HS384" else "HS256"])
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises((jwt.InvalidSignatureError, jwt.DecodeError)):
        ours.decode(forged, public, algorithms=[alg])


def test_pyjws_refuses_what_core_refuses_and_runs_registered_algorithms():
    ours = jwt.PyJWS()
    payload = b"hello"
    # alg none, crit, a non-string kid, detached payloads: refused with PyJWT's error types.
    unsigned = b64(b'{"alg":"none"}') + "." + b64(payload) + "."
    with pytest.raises(jwt.InvalidAlgorithmError):
        ours.decode(unsigned, options={"verify_signature": False})
    with pytest.raises(jwt.InvalidAlgorithmError):
        ours.encode(payload, None, algorithm="none")
    token = ours.encode(payload, SECRET, headers={"crit": ["exp"], "exp": 1})
    with pytest.raises(jwt.DecodeError):
        ours.decode(token, SECRET, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidTokenError, match="Key ID header parameter must be a string"):
        ours.encode(payload, SECRET, headers={"kid": 7})
    with pytest.raises(jwt.InvalidTokenError, match="detached"):
        ours.encode(payload, SECRET, is_payload_detached=True)
    with pytest.raises(jwt.DecodeError, match="Not enough segments"):
        ours.decode("a.b", SECRET, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidAlgorithmError, match="^Algorithm not supported$"):
        ours.decode(b64(b'{"alg":"hs256"}') + "." + b64(payload) + ".AAAA", SECRET, algorithms=["hs256"])
    # Short HMAC secrets need the explicit opt-out, as for jwt.encode.
    with pytest.raises(jwt.InvalidKeyError):
        ours.encode(payload, "short", algorithm="HS256")
    relaxed = jwt.PyJWS(options={"enforce_minimum_key_length": False})
    assert relaxed.decode(relaxed.encode(payload, "short"), "short", algorithms=["HS256"]) == payload

    class Reversed(jwt.algorithms.Algorithm):
        """A toy algorithm registered by the caller: its own sign and verify run."""

        def prepare_key(self, key):
            return key

        def sign(self, msg, key):
            return msg[::-1]

        def verify(self, msg, key, sig):
            return sig == msg[::-1]

    ours.register_algorithm("REV", Reversed())
    with pytest.raises(ValueError):
        ours.register_algorithm("REV", Reversed())
    token = ours.encode(payload, None, algorithm="REV")
    assert ours.decode(token, None, algorithms=["REV"]) == payload
    with pytest.raises(jwt.InvalidSignatureError):
        ours.decode(token[:-2] + "xx", None, algorithms=["REV"])
    ours.unregister_algorithm("REV")
    with pytest.raises(jwt.InvalidAlgorithmError):
        ours.decode(token, None, algorithms=["REV"])
    assert "REV" not in jwt.PyJWS().get_algorithms()


@pytest.mark.parametrize("alg", ["ES512", "ES256K"])
def test_es512_and_es256k_interoperate_with_pyjwt_both_ways(alg):
    """ES512 (P-521) and ES256K (secp256k1), signed and verified on AWS-LC in core: PyJWT (on
    cryptography) verifies ours and we verify its, with PEM keys, JWKs and key objects."""
    private, public = jwt.generate_key_pair(alg)
    claims = {"sub": "ann", "n": 1}
    token = jwt.encode(claims, private, algorithm=alg)
    assert pyjwt.decode(token, public, algorithms=[alg]) == claims
    theirs = pyjwt.encode(claims, private, algorithm=alg)
    assert jwt.decode(theirs, public, algorithms=[alg]) == claims
    # JWKs both ways, through PyJWT's and Bulwark's algorithm classes.
    ours_alg, their_alg = jwt.get_algorithm_by_name(alg), pyjwt.get_algorithm_by_name(alg)
    public_jwk = their_alg.to_jwk(their_alg.prepare_key(public), as_dict=True)
    assert public_jwk["crv"] == {"ES512": "P-521", "ES256K": "secp256k1"}[alg]
    assert jwt.decode(token, jwt.PyJWK(public_jwk), algorithms=[alg]) == claims
    key_obj = ours_alg.from_jwk(public_jwk)
    assert ours_alg.verify(b"m", key_obj, their_alg.sign(b"m", their_alg.prepare_key(private)))
    assert their_alg.verify(b"m", their_alg.prepare_key(public), ours_alg.sign(b"m", ours_alg.prepare_key(private)))
    # The curve is bound to the algorithm: never ES256 with these keys, nor these with a P-256 key.
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode(claims, private, algorithm="ES256")
    p256_private, _ = jwt.generate_key_pair("ES256")
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode(claims, p256_private, algorithm=alg)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises((jwt.InvalidSignatureError, jwt.DecodeError)):
        jwt.decode(forged, public, algorithms=[alg])


def test_c_jws_over_bytes_reads_in_python_and_pyjwt(clib):
    """bw_jws_encode (C) signs any bytes; Bulwark's PyJWS and PyJWT's verify the same token."""
    import ctypes as c

    clib.bw_jws_encode.argtypes = [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                                   c.c_char_p, c.c_size_t, c.c_uint32, c.c_char_p, c.c_size_t,
                                   c.POINTER(c.c_size_t)]
    clib.bw_jws_encode.restype = c.c_uint32
    secret, payload = b"k" * 32, b"\x00\xffbinary\x00"
    out, n = c.create_string_buffer(512), c.c_size_t()
    assert clib.bw_jws_encode(b"HS256", 5, secret, 32, payload, len(payload), None, 0, 0, out, 512, c.byref(n)) == 0
    token = out.value.decode()
    assert jwt.PyJWS().decode(token, secret, algorithms=["HS256"]) == payload
    assert pyjwt.PyJWS().decode(token, secret, algorithms=["HS256"]) == payload
