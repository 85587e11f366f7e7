"""Type stubs for the native half of the bulwark package (checked by mypy.stubtest)."""

from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple, Union, final

from typing_extensions import Self, disjoint_base

_Digest = Union[str, bytes, bytearray, memoryview]

__all__ = [
    "AESGCM",
    "RateLimiter",
    "Decision",
    "most_restrictive",
    "NativeOtp",
    "NativeReplayGuard",
    "otp_build_uri",
    "otp_parse_uri",
    "otp_qr_svg",
    "otp_qr_png",
    "RateLimitItem",
    "LimitsStrategy",
    "ratelimit_parse",
    "ratelimit_parse_spec",
    "_set_python_time",
    "_python_time",
    "argon2_hash_secret",
    "LimitsStorage",
    "CountersStrategy",
    "JwtKey",
    "jwt_decode",
    "jwt_decode_complete",
    "jwt_encode",
    "jwt_generate_key_pair",
    "jwt_check_allow_list",
    "bearer_token",
    "JwtVerifier",
    "Grants",
    "jwk_select",
    "jwk_is_signature_key",
    "bcrypt_kdf",
    "otp_now",
    "jwt_sign_message",
    "jwt_key_text_format",
    "jwt_hmac_min_key_len",
    "jwt_check_key",
    "jwt_rsa_recover_crt",
    "jwt_options",
    "jwt_validate_claims",
    "JWT_MIN_RSA_BITS",
    "jwt_verify_message",
    "jwt_get_unverified_header",
    "jws_encode",
    "jws_decode_complete",
    "jws_parts_unverified",
    "CORSPolicy",
    "KeyHasher",
    "Redactor",
    "IPSet",
    "_VersionPolicy",
    "PendingAuthorization",
    "_AuthorizationStore",
    "_Client",
    "_TokenSource",
    "_AccessTokenVerifier",
    "_Introspector",
    "pkce_verifier",
    "pkce_challenge",
    "pkce_verify",
    "oauth_parse_token_response",
    "oauth_require_scopes",
    "oauth_parse_scope",
    "oauth_check_id_token",
    "ip_permitted",
    "client_address",
    "apikey_generate",
    "apikey_parse",
    "security_headers_list",
    "security_headers_defaults",
    "ChaCha20Poly1305",
    "Fernet",
    "Keyring",
    "MultiFernet",
    "__version__",
    "_error_classes",
    "argon2_check_params",
    "argon2_hash",
    "argon2_parse",
    "argon2_verify",
    "bcrypt_checkpw",
    "password_default_cost_limits",
    "bcrypt_gensalt",
    "bcrypt_hashpw",
    "password_calibrate",
    "password_hash",
    "password_identify",
    "password_is_common",
    "password_needs_rehash",
    "password_policy_check",
    "password_policy_defaults",
    "password_verify",
    "password_verify_and_update",
    "compare_digest",
    "random_base32",
    "token_bytes",
    "token_hex",
    "token_urlsafe",
]

__version__: str
JWT_MIN_RSA_BITS: int

def token_bytes(nbytes: Optional[int] = None) -> bytes:
    """Random bytes from the OS CSPRNG (as secrets.token_bytes); 32 when nbytes is None."""

def token_urlsafe(nbytes: Optional[int] = None) -> str:
    """URL-safe text token of nbytes random bytes, base64url without padding."""

def token_hex(nbytes: Optional[int] = None) -> str:
    """Text token of nbytes random bytes as lower-case hex."""

def random_base32(length: int = 32) -> str:
    """Random base32 secret of length characters (at least 32) for TOTP/HOTP."""

def compare_digest(a: _Digest, b: _Digest) -> bool:
    """Constant-time equality of two ASCII str or two bytes-like objects."""

def bcrypt_gensalt(rounds: int = 12, prefix: Optional[bytes] = None) -> bytes:
    """bcrypt.gensalt: a $2b$ (or $2a$) salt string for the given cost."""

def bcrypt_hashpw(password: bytes, salt: bytes) -> bytes:
    """bcrypt.hashpw: hash with the salt's prefix, cost and salt."""

def bcrypt_kdf(
    password: bytes, salt: bytes, desired_key_bytes: int, rounds: int, ignore_few_rounds: bool = False
) -> bytes:
    """bcrypt_pbkdf: a desired_key_bytes key from password and salt with rounds rounds."""

def bcrypt_checkpw(password: bytes, hashed_password: bytes, max_cost: Optional[int] = None) -> bool:
    """bcrypt.checkpw: constant-time check of password against a bcrypt hash."""

def argon2_check_params(time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int) -> None:
    """Validate Argon2 parameters; raises InvalidInputError naming the bad one."""

def argon2_hash_secret(
    secret: bytes,
    salt: bytes,
    time_cost: int,
    memory_cost: int,
    parallelism: int,
    hash_len: int,
    variant: str,
    version: int,
    encoded: bool,
) -> bytes:
    """The raw Argon2 tag, or its encoded string when encoded."""

def argon2_hash(
    password: bytes,
    time_cost: int,
    memory_cost: int,
    parallelism: int,
    hash_len: int,
    salt_len: int,
    salt: Optional[bytes] = None,
    variant: str = "argon2id",
) -> str:
    """Argon2 PHC string of password; a fresh salt unless one is given."""

def argon2_verify(hash: str, password: bytes, params: Optional[Tuple[int, int, int, int, int]] = None) -> bool:
    """Whether password matches an Argon2 PHC string of any variant."""

def argon2_parse(hash: str) -> Tuple[str, int, int, int, int, int, int]:
    """(variant, version, time_cost, memory_cost, parallelism, hash_len, salt_len)."""

def password_hash(password: bytes) -> str:
    """Hash with the preferred scheme (Argon2id)."""

def password_verify(password: bytes, hash: str, limits: Optional[Tuple[int, int, int, int, int]] = None) -> bool:
    """Verify against a hash of any supported scheme."""

def password_needs_rehash(hash: str) -> bool:
    """Whether a hash falls short of the preferred scheme and parameters."""

def password_verify_and_update(
    password: bytes, hash: str, limits: Optional[Tuple[int, int, int, int, int]] = None
) -> Tuple[bool, Optional[str]]:
    """(valid, new hash or None)."""

def password_default_cost_limits() -> Tuple[int, int, int, int, int]:
    """The default cost limits (argon2 m, t, work, p; bcrypt cost)."""

def password_identify(hash: str) -> str:
    """The scheme of a stored hash."""

def password_calibrate(target: float, max_memory_cost: int) -> Tuple[int, int, int, int, int]:
    """(t, m, p, hash_len, salt_len) taking about target seconds."""

def password_policy_defaults() -> Dict[str, Any]:
    """Core's default policy as {field: value}."""

def password_policy_check(
    password: str,
    min_len: int,
    max_len: int,
    require_lowercase: bool,
    require_uppercase: bool,
    require_digit: bool,
    require_symbol: bool,
    reject_common: bool,
) -> List[Tuple[str, str]]:
    """Every violation as (code, message)."""

def password_is_common(password: str) -> bool:
    """Whether password is on the bundled common-password list."""

@final
class AESGCM:
    """AES-256-GCM with a caller-supplied 12-byte nonce (as cryptography's AESGCM)."""

    def __new__(cls, key: bytes) -> AESGCM: ...
    @staticmethod
    def generate_key(bit_length: int = 256) -> bytes:
        """A fresh random 256-bit key."""
    def encrypt(self, nonce: bytes, data: bytes, associated_data: Optional[bytes]) -> bytes:
        """ciphertext || tag of data."""
    def decrypt(self, nonce: bytes, data: bytes, associated_data: Optional[bytes]) -> bytes:
        """The plaintext; raises InvalidTag if it does not authenticate."""

@final
class ChaCha20Poly1305:
    """ChaCha20-Poly1305 with a caller-supplied 12-byte nonce (as cryptography's class)."""

    def __new__(cls, key: bytes) -> ChaCha20Poly1305: ...
    @staticmethod
    def generate_key() -> bytes:
        """A fresh random 256-bit key."""
    def encrypt(self, nonce: bytes, data: bytes, associated_data: Optional[bytes]) -> bytes:
        """ciphertext || tag of data."""
    def decrypt(self, nonce: bytes, data: bytes, associated_data: Optional[bytes]) -> bytes:
        """The plaintext; raises InvalidTag if it does not authenticate."""

@final
class Keyring:
    """Versioned AEAD keys with rotation."""

    @staticmethod
    def generate(algorithm: str = "AES-256-GCM") -> Keyring:
        """A keyring with one fresh random key."""
    @staticmethod
    def from_json(text: str) -> Keyring:
        """Load from to_json() output."""
    @staticmethod
    def from_env(name: str) -> Keyring:
        """Load from the JSON in an environment variable."""
    def to_json(self) -> str:
        """JSON with every key (secret)."""
    def rotate(self) -> int:
        """Add a fresh primary key; returns its id."""
    def retire(self, key_id: int) -> None:
        """Remove a (non-primary) key."""
    @property
    def primary_id(self) -> int:
        """The primary key's id."""
    @property
    def key_ids(self) -> List[int]:
        """Ids of every key, oldest first."""
    def encrypt(self, data: bytes, aad: Optional[bytes] = None) -> bytes:
        """Encrypt with the primary key: len(data) + 33 bytes."""
    def decrypt(self, data: bytes, aad: Optional[bytes] = None) -> bytes:
        """Decrypt a ciphertext of any key still in the keyring."""

@final
class Fernet:
    """Fernet tokens (as cryptography.fernet.Fernet)."""

    def __new__(cls, key: Union[bytes, str], backend: Any = None) -> Fernet: ...
    @classmethod
    def generate_key(cls) -> bytes:
        """A fresh key as url-safe base64."""
    def encrypt(self, data: bytes) -> bytes:
        """A token for data stamped with the current time."""
    def encrypt_at_time(self, data: bytes, current_time: int) -> bytes:
        """A token for data stamped with current_time."""
    def decrypt(self, token: Union[bytes, str], ttl: Optional[int] = None) -> bytes:
        """The plaintext of token; raises InvalidToken."""
    def decrypt_at_time(self, token: Union[bytes, str], ttl: int, current_time: int) -> bytes:
        """decrypt as if the time were current_time."""
    def extract_timestamp(self, token: Union[bytes, str]) -> int:
        """The timestamp of token, after checking its signature."""

@final
class MultiFernet:
    """Several Fernet keys: encrypt with the first, decrypt with any."""

    def __new__(cls, fernets: Iterable[Fernet]) -> MultiFernet: ...
    def encrypt(self, data: bytes) -> bytes:
        """A token made with the first key."""
    def encrypt_at_time(self, data: bytes, current_time: int) -> bytes:
        """A token made with the first key, stamped with current_time."""
    def decrypt(self, msg: Union[bytes, str], ttl: Optional[int] = None) -> bytes:
        """The plaintext of a token made by any of the keys."""
    def decrypt_at_time(self, msg: Union[bytes, str], ttl: int, current_time: int) -> bytes:
        """decrypt as if the time were current_time."""
    def rotate(self, msg: Union[bytes, str]) -> bytes:
        """Re-encrypt a token with the first key, keeping its timestamp."""
    def extract_timestamp(self, msg: Union[bytes, str]) -> int:
        """The timestamp of a token made by any of the keys."""

def apikey_generate(prefix: str) -> Tuple[str, str]:
    """(key, key_id) of a fresh API key."""

def apikey_parse(key: str) -> Tuple[str, str, str]:
    """(prefix, key_id, checksum) of a well-formed key."""

def security_headers_defaults() -> Dict[str, Any]:
    """Core's default security-header options as {option: value}."""

def security_headers_list(
    hsts_max_age: Optional[int],
    hsts_include_subdomains: bool,
    hsts_preload: bool,
    nosniff: bool,
    frame_options: Optional[str],
    content_security_policy: Optional[str],
    referrer_policy: Optional[str],
    cross_origin_resource_policy: Optional[str],
    no_store: bool,
    xss_protection_off: bool,
) -> List[Tuple[str, str]]:
    """The security headers as (name, value) pairs."""

@final
class KeyHasher:
    """Hashes and verifies API keys under a server-side pepper."""

    def __new__(cls, pepper: bytes) -> KeyHasher: ...
    def hash(self, key: str) -> str:
        """The value to store for key."""
    def verify(self, presented: str, stored: str) -> bool:
        """Whether presented matches stored, in constant time."""

@final
class IPSet:
    """IPv4 and IPv6 networks, looked up in time bounded by the address length."""

    def __new__(cls, networks: str = "") -> IPSet: ...
    def contains(self, address: str) -> bool:
        """Whether the address (text, with or without a port) is in one of the networks."""
    def __contains__(self, key: str, /) -> bool: ...
    def __len__(self) -> int: ...

def ip_permitted(address: str, allow: Optional[IPSet] = None, deny: Optional[IPSet] = None) -> bool:
    """Core's allow/deny rule for one address."""

def client_address(
    peer: str, header_value: Optional[str], header: str, trusted: Optional[IPSet] = None, hops: int = 0
) -> str:
    """The client's address behind trusted proxies (networks or a hop count), as text."""

@final
class _VersionPolicy:
    """The versions a service serves and where requests name them (built from core's JSON form)."""

    def __new__(cls, policy_json: str) -> _VersionPolicy: ...
    def restricted(self, versions: List[str]) -> _VersionPolicy:
        """The policy of a route that serves only `versions` (each listed here)."""
    @property
    def header_name(self) -> Optional[str]:
        """The header the version is read from, if any."""
    @property
    def versions(self) -> List[str]:
        """The versions listed, in order."""
    def decide(
        self, header: Optional[str], path: str, accept: Optional[str], now: int
    ) -> Tuple[int, Optional[str], Optional[str], List[Tuple[str, str]], Optional[str]]:
        """Decides one request at Unix second `now`."""

_Request = Tuple[str, str, List[Tuple[str, str]]]
_Token = Tuple[str, str, Optional[int], Optional[str], Optional[List[str]], Optional[str], str]
_Access = Tuple[Optional[str], Optional[str], List[str], Optional[int], str]

def pkce_verifier(length: int = 43) -> str:
    """A fresh PKCE code verifier (43 to 128 characters from the OS CSPRNG)."""

def pkce_challenge(verifier: str, method: str = "S256") -> str:
    """The challenge of a verifier (`S256`, or `plain` by name)."""

def pkce_verify(verifier: str, challenge: str, method: str = "S256") -> bool:
    """The server's check of a verifier against a challenge, in constant time."""

@final
class PendingAuthorization:
    """An authorization request in flight: state, nonce, PKCE verifier, redirect URI."""

    @property
    def state(self) -> str:
        """The `state` parameter."""
    @property
    def nonce(self) -> str:
        """The OpenID Connect `nonce`."""
    @property
    def code_verifier(self) -> str:
        """The PKCE code verifier (secret)."""
    @property
    def redirect_uri(self) -> str:
        """The redirect URI the request was made with."""

@final
class _AuthorizationStore:
    """Pending authorizations, single-use and bound to a session, in memory or Redis."""

    def __new__(cls, storage: str = "memory://", prefix: str = "bulwark:oauth:") -> _AuthorizationStore: ...
    def begin(self, binding: str, redirect_uri: str, ttl: float) -> PendingAuthorization:
        """Starts a request for `binding` kept `ttl` seconds."""
    def finish(self, state: str, binding: str) -> PendingAuthorization:
        """Takes the request of `state` for `binding`, once."""

@final
class _Client:
    """A client's registration at one authorization server."""

    def __new__(cls, config_json: str) -> _Client: ...
    def authorize(
        self,
        store: _AuthorizationStore,
        binding: str,
        scopes: List[str],
        extra: List[Tuple[str, str]],
        ttl: float,
        redirect_uri: Optional[str] = None,
    ) -> Tuple[str, PendingAuthorization]:
        """Starts the code flow: the URL and the pending authorization kept in `store`."""
    def exchange_code(
        self, store: _AuthorizationStore, query: str, binding: str, transport: Any
    ) -> Tuple[_Token, PendingAuthorization]:
        """Finishes the code flow through `transport`: the tokens and the pending authorization."""
    def refresh(self, refresh_token: str, scopes: List[str], transport: Any) -> _Token:
        """New tokens for a refresh token through `transport`."""
    def code_request(self, code: str, pending: PendingAuthorization) -> _Request:
        """The token request exchanging `code` for the pending request."""

def oauth_parse_token_response(status: int, body: str) -> _Token:
    """Parses a token endpoint's answer."""

def oauth_check_id_token(
    id_token: str,
    key: bytes,
    algorithms: List[str],
    issuer: str,
    client_id: str,
    nonce: str,
    jwks: bool = False,
) -> str:
    """Verifies an OpenID Connect ID token (keys, issuer, the client id as audience) and its nonce;
    returns the claims as JSON."""

def oauth_require_scopes(granted: List[str], needed: List[str]) -> None:
    """Checks that `granted` holds every scope of `needed` (InsufficientScopeError otherwise)."""

def oauth_parse_scope(value: str) -> List[str]:
    """Splits and checks a space-separated scope value."""

@final
class _TokenSource:
    """Client-credentials tokens, cached and refreshed, over a Python transport."""

    def __new__(
        cls,
        client: _Client,
        scopes: List[str],
        transport: Any,
        refresh_before: float = 30.0,
        max_attempts: int = 3,
        backoff: float = 0.2,
    ) -> _TokenSource: ...
    def token(self) -> _Token:
        """A valid token (cached or new), with the GIL released while waiting."""
    def invalidate(self) -> None:
        """Forgets the cached token."""

@final
class _AccessTokenVerifier:
    """RFC 9068 access-token verification."""

    def __new__(
        cls, key: bytes, algorithms: List[str], issuer: str, audience: str, jwks: bool = False
    ) -> _AccessTokenVerifier: ...
    def verify(self, token: str, now: Optional[float] = None) -> _Access:
        """Verifies a token now (or at `now`, Unix seconds)."""

@final
class _Introspector:
    """RFC 7662 introspection with a bounded cache, over a Python transport."""

    def __new__(
        cls,
        client: _Client,
        endpoint: str,
        transport: Any,
        capacity: int = 10000,
        max_ttl: float = 60.0,
        negative_ttl: float = 10.0,
        issuer: Optional[str] = None,
        audience: Optional[str] = None,
    ) -> _Introspector: ...
    def verify(self, token: str) -> _Access:
        """Introspects a token (the GIL released while the server answers)."""
    def cached(self) -> int:
        """Answers cached now."""

@final
class Redactor:
    """Redacts secrets by field name and by value."""

    def __new__(cls, fields: List[str] = ...) -> Redactor: ...
    def is_sensitive(self, name: str) -> bool:
        """Whether a field of this name is redacted."""
    def json(self, text: str) -> str:
        """Redact JSON text."""
    def query(self, query: str) -> str:
        """Redact a query string."""
    def header(self, name: str, value: str) -> str:
        """Redact one header value."""
    def text(self, text: str) -> str:
        """Redact secrets found by value in free text."""

@final
class CORSPolicy:
    """A validated CORS policy."""

    def __new__(
        cls,
        origins: List[str],
        methods: Optional[List[str]] = None,
        headers: Optional[List[str]] = None,
        expose_headers: Optional[List[str]] = None,
        allow_credentials: bool = False,
        max_age: Optional[int] = ...,
    ) -> CORSPolicy: ...
    def check_request(self, origin: Optional[str]) -> Tuple[bool, List[Tuple[str, str]]]:
        """(allowed, headers) for an actual request."""
    def check_preflight(
        self, origin: str, method: str, request_headers: str = ""
    ) -> Tuple[bool, List[Tuple[str, str]]]:
        """(allowed, headers) for a preflight."""

@final
class JwtKey:
    """A parsed JWT key (from a JWK or PEM), as held by bulwark.jwt.PyJWK.key."""

    @staticmethod
    def from_jwk(jwk: Any) -> JwtKey:
        """A key from a JWK (dict or JSON text)."""
    @staticmethod
    def from_pem(pem: Union[str, bytes]) -> JwtKey:
        """A key from PEM (a private key PEM also signs)."""
    @property
    def key_type(self) -> str:
        """HMAC, RSA, EC-P256, EC-P384 or Ed25519."""
    @property
    def key_id(self) -> Optional[str]:
        """The JWK's kid, if any."""
    @property
    def algorithm(self) -> Optional[str]:
        """The JWK's alg, if any."""
    @property
    def default_algorithm(self) -> str:
        """The algorithm the key signs with when nothing names one."""
    @property
    def can_sign(self) -> bool:
        """Whether this key holds private material."""

def jwt_encode(
    payload: Any,
    key: Any,
    algorithm: Optional[str] = ...,
    headers: Optional[Any] = None,
    json_encoder: Optional[Any] = None,
    sort_headers: bool = True,
    enforce_minimum_key_length: bool = True,
) -> str:
    """PyJWT's jwt.encode."""

def jwt_decode(
    jwt: Any,
    key: Optional[Any] = None,
    algorithms: Optional[Any] = None,
    options: Optional[Any] = None,
    verify: Optional[bool] = None,
    detached_payload: Optional[Any] = None,
    audience: Optional[Any] = None,
    issuer: Optional[Any] = None,
    subject: Optional[str] = None,
    leeway: Optional[Any] = None,
) -> Dict[str, Any]:
    """PyJWT's jwt.decode."""

def jwt_decode_complete(
    jwt: Any,
    key: Optional[Any] = None,
    algorithms: Optional[Any] = None,
    options: Optional[Any] = None,
    verify: Optional[bool] = None,
    detached_payload: Optional[Any] = None,
    audience: Optional[Any] = None,
    issuer: Optional[Any] = None,
    subject: Optional[str] = None,
    leeway: Optional[Any] = None,
) -> Dict[str, Any]:
    """PyJWT's jwt.decode_complete."""

def jws_encode(
    payload: bytes,
    key: Any,
    algorithm: Optional[str] = ...,
    headers: Optional[Dict[str, Any]] = None,
    json_encoder: Any = None,
    enforce_minimum_key_length: bool = True,
) -> str:
    """PyJWS.encode: signs payload bytes as a compact JWS."""

def jws_decode_complete(
    jwt: Union[str, bytes],
    key: Any,
    algorithms: List[str],
    verify_signature: bool = True,
    enforce_minimum_key_length: bool = True,
) -> Dict[str, Any]:
    """PyJWS.decode_complete: {payload, header, signature}."""

def jws_parts_unverified(jwt: Union[str, bytes]) -> Dict[str, Any]:
    """{payload, header, signature} of a JWS, algorithm not read, nothing verified."""

def jwt_get_unverified_header(jwt: Any) -> Any:
    """PyJWT's jwt.get_unverified_header."""

def jwt_generate_key_pair(algorithm: str) -> Tuple[str, str]:
    """(private_pem, public_pem) of a new key pair."""

def jwk_select(kids: List[Optional[str]], kid: Optional[str]) -> Optional[int]:
    """The index of the key a token names (core's selection rule), or None."""

def jwt_validate_claims(
    payload: Dict[str, Any],
    options: Optional[Mapping[str, Any]] = None,
    audience: Any = None,
    issuer: Any = None,
    subject: Optional[str] = None,
    leeway: Any = None,
) -> None:
    """Validates a decoded payload's claims by core's rules."""

def jwt_options(options: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """PyJWT's options with every key present, as decode reads them."""

def jwt_check_key(algorithm: str, key: Any, private: bool = False) -> None:
    """Types key for algorithm by core's rule; InvalidKeyError when it does not fit."""

def jwt_rsa_recover_crt(n: bytes, e: bytes, d: bytes) -> list[bytes]:
    """[p, q, dp, dq, qi] of the RSA key (n, e, d), recovered by core (p > q)."""

def jwt_hmac_min_key_len(algorithm: str) -> int:
    """The shortest HMAC secret algorithm accepts, in bytes (core's rule)."""

def jwt_key_text_format(key: bytes) -> Optional[str]:
    """"pem", "ssh" or None: the kind of text key, by core's rule."""

def jwt_sign_message(algorithm: str, key: Any, message: bytes, enforce_minimum_key_length: bool = True) -> bytes:
    """algorithm's JWS signature over message."""

def jwt_verify_message(
    algorithm: str, key: Any, message: bytes, signature: bytes, enforce_minimum_key_length: bool = True
) -> bool:
    """Whether signature is algorithm's JWS signature over message."""

def jwk_is_signature_key(jwk: Dict[str, Any]) -> bool:
    """Whether a JWK may verify signatures (core's rule: not ``use: enc``)."""

def jwt_check_allow_list(algorithms: Any) -> None:
    """Checks an allow-list with core's rules (known names, not empty, not mixed)."""

def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header by core's rule, or None."""

@final
class JwtVerifier:
    """Core's verifier: one key typed for the allow-list, PyJWT's claim options, one native call."""

    def __new__(
        cls,
        key: Any,
        algorithms: Any,
        *,
        options: Optional[Mapping[str, Any]] = None,
        audience: Any = None,
        issuer: Any = None,
        subject: Optional[str] = None,
        leeway: Any = None,
    ) -> JwtVerifier: ...
    def verify(self, token: Union[str, bytes]) -> Dict[str, Any]:
        """The verified claims."""

@final
class Grants:
    """Core's rule for the roles and permissions a token's claims grant."""

    def __new__(cls, roles_claim: str = "roles", permissions_claim: str = "permissions") -> Grants: ...
    def roles(self, claims: Mapping[str, Any]) -> Set[str]:
        """The roles the claims grant."""
    def permissions(self, claims: Mapping[str, Any]) -> Set[str]:
        """The permissions the claims grant."""
    def allows(self, claims: Mapping[str, Any], role: Any = None, permission: Any = None) -> bool:
        """True when the claims hold one of role and every permission."""

def ratelimit_parse(rates: str) -> List[Tuple[int, int]]:
    """[(limit, period_us), ...] of a rate string."""

def ratelimit_parse_spec(rates: str) -> List[Tuple[int, Optional[int], str, Optional[str]]]:
    """[(amount, multiples or None, unit as written, core's name for it or None), ...]."""

_RateArg = Union[str, "RateLimitItem", List[Union[str, "RateLimitItem"]], Tuple[Union[str, "RateLimitItem"], ...]]

@disjoint_base
class RateLimiter:
    """Bulwark's limiter: hit(key, *rates, cost=1) -> Decision."""

    def __new__(
        cls,
        storage: str = "memory://",
        strategy: str = "sliding-window",
        fail_open: bool = False,
        *,
        on_backend_failure: Optional[str] = None,
        prefix: Optional[str] = None,
        timeout: float = 0.5,
        max_keys: int = ...,
        local_share: float = 1.0,
        deny_cache: bool = False,
        **redis: Any,
    ) -> Self: ...
    @property
    def storage(self) -> str: ...
    @property
    def strategy(self) -> str:
        """The strategy's name."""
    def hit(self, key: str, *rates: _RateArg, cost: int = 1) -> Decision:
        """Counts a request of cost for key if every rate allows it."""
    def test(self, key: str, *rates: _RateArg, cost: int = 1) -> Decision:
        """Whether a request would be allowed, without counting it."""
    def refund(self, key: str, *rates: _RateArg, cost: int = 1) -> None:
        """Gives back cost units an earlier hit of key counted."""
    def reset(self, key: str, *rates: _RateArg) -> None:
        """Forgets key's counts under rates."""

@final
class Decision:
    """The outcome of a hit; headers built by core."""

    @property
    def allowed(self) -> bool: ...
    @property
    def limit(self) -> int: ...
    @property
    def remaining(self) -> int: ...
    @property
    def reset_after(self) -> float: ...
    @property
    def retry_after(self) -> float: ...
    @property
    def retry_after_seconds(self) -> int: ...
    @property
    def at(self) -> float: ...
    @property
    def backend_error(self) -> Optional[str]: ...
    @property
    def rates(self) -> Tuple[RateLimitItem, ...]: ...
    @property
    def rate(self) -> RateLimitItem: ...
    def headers(self) -> Dict[str, str]:
        """The rate-limit response headers."""
    def __bool__(self) -> bool: ...

def most_restrictive(decisions: List[Decision]) -> Optional[Decision]:
    """The decision to report: a denial first, else the one with the least left."""

@disjoint_base
class RateLimitItem:
    """A rate as limits.RateLimitItem: amount per multiples granularity."""

    def __new__(
        cls,
        amount: int,
        multiples: int = 1,
        granularity: str = "second",
        namespace: str = "LIMITER",
        seconds: Optional[int] = None,
    ) -> Self: ...
    @property
    def _seconds(self) -> int:
        """Seconds in one unit of the granularity."""
    @property
    def amount(self) -> int: ...
    @property
    def multiples(self) -> int: ...
    @property
    def granularity(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @staticmethod
    def _from_native(limit: int, period_us: int) -> RateLimitItem:
        """The item of a native (limit, period_us) pair."""
    def get_expiry(self) -> int:
        """The period in seconds."""
    def key_for(self, *identifiers: Any) -> str:
        """The storage key for these identifiers."""
    def _native(self) -> Tuple[int, int]:
        """(limit, period_us)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@disjoint_base
class LimitsStorage:
    """A limits storage on core's counters (memory:// or redis://)."""

    def __new__(
        cls, uri: str, *, key_prefix: str = "LIMITS", timeout: float = 0.5, max_keys: int = ..., **redis: Any
    ) -> Self: ...
    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Adds amount to the counter key."""
    def get(self, key: str) -> int:
        """The counter key."""
    def get_expiry(self, key: str) -> float:
        """When key expires, Unix seconds."""
    def clear(self, key: str) -> None:
        """Forgets key."""
    def reset(self) -> int:
        """Forgets every key."""
    def check(self) -> bool:
        """Whether the storage answers."""
    def acquire_entry(self, key: str, limit: int, expiry: float, amount: int = 1) -> bool:
        """Moving window: takes amount entries if they fit."""
    def get_moving_window(self, key: str, limit: int, expiry: float) -> Tuple[float, int]:
        """Moving window: (start, entries)."""
    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: float, amount: int = 1) -> bool:
        """Sliding window: counts amount if it fits."""
    def get_sliding_window(self, key: str, expiry: float) -> Tuple[int, float, int, float]:
        """Sliding window: (previous, previous TTL, current, current TTL)."""
    def clear_sliding_window(self, key: str, expiry: float) -> None:
        """Sliding window: forgets both windows."""
    def _entries(self) -> List[Any]:
        """Every live key of a memory storage."""
    def _restore(self, entries: List[Any]) -> None:
        """Puts back what _entries returned."""

@disjoint_base
class CountersStrategy:
    """Base of limits' strategies: core decisions over a storage."""

    def __new__(cls, storage: Any, strategy: str) -> Self: ...
    @property
    def storage(self) -> Any:
        """The storage."""
    def hit(self, item: RateLimitItem, *identifiers: Any, cost: int = 1) -> bool:
        """Consumes cost of the limit."""
    def test(self, item: RateLimitItem, *identifiers: Any, cost: int = 1) -> bool:
        """Whether cost would fit."""
    def _window_stats(self, item: RateLimitItem, *identifiers: Any) -> Tuple[float, int]:
        """(reset time, remaining)."""
    def clear(self, item: RateLimitItem, *identifiers: Any) -> None:
        """Forgets the counts."""

@disjoint_base
class LimitsStrategy:
    """Base of the limits-style strategy classes."""

    def __new__(cls, storage: str, strategy: str, fail_open: bool = False) -> Self: ...
    def hit(self, item: RateLimitItem, *identifiers: Any, cost: int = 1) -> bool:
        """Counts a request; False when over the limit."""
    def test(self, item: RateLimitItem, *identifiers: Any, cost: int = 1) -> bool:
        """Whether a request would be allowed."""
    def _window(self, item: RateLimitItem, *identifiers: Any) -> Tuple[float, int]:
        """(seconds until reset, remaining)."""
    def clear(self, item: RateLimitItem, *identifiers: Any) -> None:
        """Forgets the counts for the identifiers."""

@disjoint_base
class NativeOtp:
    """An OTP key prepared once (TOTP step N = HOTP counter N); the base of TOTP and HOTP."""

    def __new__(
        cls,
        secret: str,
        digits: int = 6,
        algorithm: str = "SHA1",
        period: int = 30,
        t0: int = 0,
        allow_short_secret: bool = False,
        encoder: Optional[str] = None,
    ) -> Self: ...
    def _code(self, counter: int) -> str:
        """The code of a step or counter."""
    def _step(self, time: int) -> int:
        """The TOTP step of a Unix time."""
    def verify(self, otp: Any, for_time: Any = None, valid_window: int = 0) -> bool:
        """pyotp's TOTP.verify."""
    def _verify_at(self, code: str, time: int, window: int) -> Optional[int]:
        """The matched step, or None."""
    def _verify_once(self, code: str, time: int, window: int, last_used_step: Optional[int] = None) -> Optional[int]:
        """The step to store, None for a wrong code; raises ReplayedCodeError for a used one."""
    def _verify_counter(self, code: str, counter: int, look_ahead: int) -> Optional[int]:
        """The matched HOTP counter, or None."""

@final
class NativeReplayGuard:
    """The last accepted step per account, in memory or Redis."""

    def __new__(
        cls,
        storage: str = "memory://",
        prefix: Optional[str] = None,
        timeout: float = 0.5,
        max_accounts: int = ...,
        **redis: Any,
    ) -> NativeReplayGuard: ...
    def verify(self, otp: NativeOtp, account: str, code: str, time: int, window: int) -> Optional[int]:
        """Verifies and records the step; None for a wrong code."""

def otp_now() -> int:
    """Now in Unix seconds: core's clock, or a test's replaced ``datetime.datetime``."""

def otp_build_uri(
    kind: str,
    secret: str,
    account: str,
    issuer: Optional[str] = None,
    algorithm: str = "SHA1",
    digits: int = 6,
    period: int = 30,
    counter: int = 0,
    image: Optional[str] = None,
    encoder: Optional[str] = None,
) -> str:
    """A provisioning URI as pyotp writes it."""

def otp_parse_uri(uri: str) -> Dict[str, Any]:
    """The fields of an otpauth URI."""

def otp_qr_svg(text: str) -> str:
    """A QR code as SVG."""

def otp_qr_png(text: str, scale: int) -> bytes:
    """A QR code as PNG."""

def _error_classes() -> List[Tuple[int, str, Optional[str], Optional[str]]]:
    """[(kind code, kind name, module, class)] for every core error kind."""

def _set_python_time(on: bool) -> None:
    """Read the time from Python's time.time() (on) or the system clock."""

def _python_time() -> bool:
    """Whether the time is read from Python."""
