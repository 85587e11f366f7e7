"""``jwt.algorithms``: PyJWT's algorithm objects. Signing, verifying and the typing of key
material are core's (the same calls ``jwt.encode`` and ``jwt.decode`` make); what is here converts
between the key shapes PyJWT users hold: bytes, PEM text, JWK dicts and JSON, and, when the
``cryptography`` package is installed, its key objects (Bulwark does not depend on it).

Algorithms Bulwark's core does not have (ES512, ES256K) are not offered: ``get_default_algorithms``
lists what signs and verifies here. ``NoneAlgorithm`` exists for code that names it, and never
verifies anything (``alg: none`` tokens are refused everywhere).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import TYPE_CHECKING, Any, ClassVar, Union

from .. import _native
from .exceptions import InvalidKeyError
from .utils import base64url_decode, base64url_encode, force_bytes, from_base64url_uint, to_base64url_uint

try:
    from cryptography.hazmat.primitives import serialization as _ser
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    from cryptography.hazmat.primitives.asymmetric import ed25519 as _ed25519
    from cryptography.hazmat.primitives.asymmetric import rsa as _rsa

    has_crypto = True
except ImportError:  # pragma: no cover - exercised where cryptography is absent
    has_crypto = False

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

    AllowedRSAKeys = Union[RSAPrivateKey, RSAPublicKey]
    AllowedECKeys = Union[EllipticCurvePrivateKey, EllipticCurvePublicKey]
    AllowedOKPKeys = Union[Ed25519PrivateKey, Ed25519PublicKey]
    AllowedKeys = Union[AllowedRSAKeys, AllowedECKeys, AllowedOKPKeys]
else:
    AllowedRSAKeys = AllowedECKeys = AllowedOKPKeys = AllowedKeys = Any

__all__ = [
    "Algorithm",
    "ECAlgorithm",
    "HMACAlgorithm",
    "NoneAlgorithm",
    "OKPAlgorithm",
    "RSAAlgorithm",
    "RSAPSSAlgorithm",
    "get_default_algorithms",
    "has_crypto",
    "requires_cryptography",
]

#: The algorithm names that need ``cryptography`` key objects in PyJWT (here: PEM or JWK works too).
requires_cryptography = frozenset(
    {"RS256", "RS384", "RS512", "ES256", "ES256K", "ES384", "ES521", "ES512", "PS256", "PS384", "PS512", "EdDSA"}
)

_HASH_BITS = {hashlib.sha256: 256, hashlib.sha384: 384, hashlib.sha512: 512}


def _json_object(jwk: Union[str, bytes, dict[str, Any]]) -> dict[str, Any]:
    if isinstance(jwk, dict):
        return jwk
    try:
        obj = json.loads(jwk)
    except (ValueError, TypeError):
        raise InvalidKeyError("Key is not valid JSON") from None
    if not isinstance(obj, dict):
        raise InvalidKeyError("Key is not a JSON object")
    return obj


class Algorithm:
    """One JWS algorithm: ``sign``, ``verify``, ``prepare_key`` and the JWK conversions."""

    #: The JOSE name (``HS256``, ...), set by each instance.
    name: str = ""
    #: The hashes the algorithm families are built with (``HMACAlgorithm(HMACAlgorithm.SHA256)``).
    SHA256: ClassVar[Any] = hashlib.sha256
    SHA384: ClassVar[Any] = hashlib.sha384
    SHA512: ClassVar[Any] = hashlib.sha512

    def compute_hash_digest(self, bytestr: bytes) -> bytes:
        """The digest of ``bytestr`` with this algorithm's hash (for ``at_hash`` and the like)."""
        hash_alg = getattr(self, "hash_alg", None)
        if hash_alg is None:
            raise NotImplementedError
        return bytes(hash_alg(bytestr).digest())

    def prepare_key(self, key: Any) -> Any:
        """The key in the form ``sign`` and ``verify`` take, checked for this algorithm."""
        raise NotImplementedError

    def sign(self, msg: bytes, key: Any) -> bytes:
        """The signature of ``msg``, as JWS encodes it."""
        return _native.jwt_sign_message(self.name, key, msg, enforce_minimum_key_length=False)

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        """Whether ``sig`` is this algorithm's signature of ``msg`` under ``key``."""
        return _native.jwt_verify_message(self.name, key, msg, sig, enforce_minimum_key_length=False)

    def check_key_length(self, key: Any) -> Union[str, None]:
        """A warning text when ``key`` is shorter than the algorithm calls for, else None."""
        return None

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        raise NotImplementedError

    def check_crypto_key_type(self, key: Any) -> None:
        """PyJWT's check that ``key`` is one of this algorithm's ``cryptography`` key types;
        ValueError for an algorithm without any (``none``, HMAC)."""
        types = getattr(self, "_crypto_key_types", None)
        if not types:
            raise ValueError(f"the {self.name or type(self).__name__} algorithm takes no cryptography key objects")
        if not isinstance(key, types):
            raise InvalidKeyError(f"Expected one of {types}, got: {type(key).__name__}")


class NoneAlgorithm(Algorithm):
    """``alg: none``: signs nothing and verifies nothing (Bulwark never accepts such tokens)."""

    name = "none"

    def prepare_key(self, key: Any) -> None:
        if key == "":
            key = None
        if key is not None:
            raise InvalidKeyError('When alg = "none", key value must be None.')

    def sign(self, msg: bytes, key: Any) -> bytes:
        return b""

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return False


class HMACAlgorithm(Algorithm):
    """HS256 / HS384 / HS512 over a shared secret (never a PEM, SSH or JWK text: core's rule)."""

    def __init__(self, hash_alg: Any) -> None:
        self.hash_alg = hash_alg
        self.name = f"HS{_HASH_BITS[hash_alg]}"

    def prepare_key(self, key: Union[str, bytes]) -> bytes:
        raw = force_bytes(key)
        _native.jwt_check_key(self.name, raw)
        return raw

    def check_key_length(self, key: Any) -> Union[str, None]:
        need = _native.jwt_hmac_min_key_len(self.name)  # core's rule (RFC 7518 section 3.2)
        size = len(force_bytes(key))
        if size < need:
            return (f"The HMAC key is {size} bytes long, which is below the minimum "
                    f"recommended length of {need} bytes for {self.name}. See RFC 7518 Section 3.2.")
        return None

    @staticmethod
    def to_jwk(key_obj: Union[str, bytes], as_dict: bool = False) -> Any:
        jwk = {"k": base64url_encode(force_bytes(key_obj)).decode(), "kty": "oct"}
        return jwk if as_dict else json.dumps(jwk)

    @staticmethod
    def from_jwk(jwk: Union[str, bytes, dict[str, Any]]) -> bytes:
        obj = _json_object(jwk)
        if obj.get("kty") != "oct":
            raise InvalidKeyError("Not an HMAC key")
        return base64url_decode(obj["k"])


class _AsymmetricAlgorithm(Algorithm):
    """What the public-key algorithms share: keys typed by core; as ``cryptography`` objects when
    that package is installed (``prepare_key``, ``from_jwk``), else as given."""

    def __init__(self, hash_alg: Any) -> None:
        self.hash_alg = hash_alg

    def prepare_key(self, key: Any) -> Any:
        if hasattr(key, "public_key") or hasattr(key, "public_bytes"):  # a cryptography key object
            _native.jwt_check_key(self.name, key)
            return key
        if isinstance(key, (str, bytes)):
            raw = force_bytes(key)
            _native.jwt_check_key(self.name, raw)  # core's typing first: the same rule as decode
            if not has_crypto:
                return raw
            return _load_text_key(raw)
        raise self._not_a_key("Expecting a PEM-formatted key.")

    #: What a key of the wrong Python type raises (PyJWT: TypeError, InvalidKeyError for OKP).
    _not_a_key: ClassVar[type[Exception]] = TypeError


def _load_text_key(raw: bytes) -> Any:
    """A PEM or OpenSSH key as a ``cryptography`` key object."""
    if raw.lstrip().startswith(b"-----BEGIN") and b"PRIVATE" in raw.split(b"\n", 1)[0]:
        return _ser.load_pem_private_key(raw, password=None)
    if _native.jwt_key_text_format(raw) == "ssh":
        return _ser.load_ssh_public_key(raw)
    if b"CERTIFICATE" in raw.split(b"\n", 1)[0]:
        from cryptography import x509

        return x509.load_pem_x509_certificate(raw).public_key()
    return _ser.load_pem_public_key(raw)


class RSAAlgorithm(_AsymmetricAlgorithm):
    """RS256 / RS384 / RS512 (RSASSA-PKCS1-v1_5)."""

    _PREFIX = "RS"

    def __init__(self, hash_alg: Any) -> None:
        super().__init__(hash_alg)
        self.name = f"{self._PREFIX}{_HASH_BITS[hash_alg]}"

    def check_key_length(self, key: Any) -> Union[str, None]:
        """A message when ``key`` is smaller than core accepts (core refuses such keys outright)."""
        size = getattr(key, "key_size", None)
        if isinstance(size, int) and size < _native.JWT_MIN_RSA_BITS:
            return (f"The RSA key is {size} bits long, below the minimum of {_native.JWT_MIN_RSA_BITS} bits "
                    f"for {self.name} (RFC 7518 Section 3.3).")
        return None

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        if not hasattr(key_obj, "public_key") and not hasattr(key_obj, "public_numbers"):
            raise InvalidKeyError("Not a public or private key")
        if hasattr(key_obj, "private_numbers"):
            p = key_obj.private_numbers()
            obj: dict[str, Any] = {
                "kty": "RSA", "key_ops": ["sign"],
                "n": to_base64url_uint(p.public_numbers.n).decode(),
                "e": to_base64url_uint(p.public_numbers.e).decode(),
                "d": to_base64url_uint(p.d).decode(), "p": to_base64url_uint(p.p).decode(),
                "q": to_base64url_uint(p.q).decode(), "dp": to_base64url_uint(p.dmp1).decode(),
                "dq": to_base64url_uint(p.dmq1).decode(), "qi": to_base64url_uint(p.iqmp).decode(),
            }
        else:
            n = key_obj.public_numbers()
            obj = {"kty": "RSA", "key_ops": ["verify"], "n": to_base64url_uint(n.n).decode(),
                   "e": to_base64url_uint(n.e).decode()}
        return obj if as_dict else json.dumps(obj)

    @staticmethod
    def from_jwk(jwk: Union[str, bytes, dict[str, Any]]) -> Any:
        obj = _json_object(jwk)
        if obj.get("kty") != "RSA":
            raise InvalidKeyError("Not an RSA key")
        _native.jwt_check_key("RS256", obj, "d" in obj)  # core reads the JWK first
        if not has_crypto:
            return obj
        public = _rsa.RSAPublicNumbers(from_base64url_uint(obj["e"]), from_base64url_uint(obj["n"]))
        if "d" not in obj:
            return public.public_key()
        d = from_base64url_uint(obj["d"])
        if all(k in obj for k in ("p", "q", "dp", "dq", "qi")):
            p, q = from_base64url_uint(obj["p"]), from_base64url_uint(obj["q"])
            numbers = _rsa.RSAPrivateNumbers(p, q, d, from_base64url_uint(obj["dp"]),
                                             from_base64url_uint(obj["dq"]), from_base64url_uint(obj["qi"]), public)
        else:  # no CRT members: core recovers them from n, e and d
            crt = [int.from_bytes(v, "big") for v in _native.jwt_rsa_recover_crt(
                base64url_decode(obj["n"]), base64url_decode(obj["e"]), base64url_decode(obj["d"]))]
            numbers = _rsa.RSAPrivateNumbers(crt[0], crt[1], d, crt[2], crt[3], crt[4], public)
        return numbers.private_key()


class RSAPSSAlgorithm(RSAAlgorithm):
    """PS256 / PS384 / PS512 (RSASSA-PSS, salt the length of the hash)."""

    _PREFIX = "PS"


#: JWK curve names by the algorithm that uses them, and ``cryptography``'s names for them.
_JWK_CURVE_ALGS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "secp256k1": "ES256K"}
_CRYPTO_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521", "secp256k1": "secp256k1"}


class ECAlgorithm(_AsymmetricAlgorithm):
    """ES256 (P-256), ES384 (P-384), ES512 (P-521) and ES256K (secp256k1); signatures are JWS's
    ``r || s``."""

    def __init__(self, hash_alg: Any, expected_curve: Any = None) -> None:
        super().__init__(hash_alg)
        secp256k1 = getattr(expected_curve, "name", None) == "secp256k1"
        self.name = "ES256K" if secp256k1 else f"ES{_HASH_BITS[hash_alg]}"
        #: The curve keys must be on (a ``cryptography`` curve class), when given; core also binds
        #: the curve to the algorithm (ES256: P-256, ES384: P-384, ES512: P-521, ES256K:
        #: secp256k1) whatever is given here.
        self.expected_curve = expected_curve

    #: The JOSE name of each (curve, hash) pair a key without an expected curve may sign with.
    _BY_CURVE: ClassVar[dict[tuple[str, int], str]] = {
        ("secp256r1", 256): "ES256", ("secp256k1", 256): "ES256K",
        ("secp384r1", 384): "ES384", ("secp521r1", 512): "ES512",
    }

    def _name_for(self, key: Any) -> str:
        """The algorithm for ``key``: this one's, or with no expected curve the ES* of the key's
        curve and this hash (PyJWT's ``ECAlgorithm(SHA256)`` signs with a secp256k1 key as
        ES256K does); core refuses any other pairing."""
        curve = getattr(getattr(key, "curve", None), "name", None)
        if self.expected_curve is None and curve is not None:
            return self._BY_CURVE.get((curve, _HASH_BITS.get(self.hash_alg, 0)), self.name)
        return self.name

    def sign(self, msg: bytes, key: Any) -> bytes:
        """The ``r || s`` signature of ``msg``."""
        return _native.jwt_sign_message(self._name_for(key), key, msg, enforce_minimum_key_length=False)

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        """Whether ``sig`` is the ``r || s`` signature of ``msg`` under ``key``."""
        return _native.jwt_verify_message(self._name_for(key), key, msg, sig, enforce_minimum_key_length=False)

    def prepare_key(self, key: Any) -> Any:
        # Text keys are read by cryptography first when it is installed, so that a key on another
        # curve than the one asked for is named (both curves) before core types it.
        if isinstance(key, (str, bytes)) and has_crypto and self.expected_curve is not None:
            # A key cryptography cannot read is left as it is: core says what is wrong below.
            with contextlib.suppress(ValueError, TypeError):
                key = _load_text_key(force_bytes(key))
        # A cryptography key on another curve than the one asked for is named here, before core
        # types it.
        curve = getattr(key, "curve", None)
        if self.expected_curve is not None and curve is not None and curve.name != self.expected_curve.name:
            raise InvalidKeyError(
                f"The key's curve '{curve.name}' does not match the expected curve "
                f"'{self.expected_curve.name}' for this algorithm"
            )
        return super().prepare_key(key)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        if not hasattr(key_obj, "public_numbers") and not hasattr(key_obj, "private_numbers"):
            raise InvalidKeyError("Not a public or private key")
        public = key_obj.public_key() if hasattr(key_obj, "private_numbers") else key_obj
        numbers = public.public_numbers()
        crv = _CRYPTO_CURVES.get(numbers.curve.name)
        if crv is None:
            raise InvalidKeyError(f"Invalid curve: {numbers.curve.name}")
        size = (numbers.curve.key_size + 7) // 8
        obj: dict[str, Any] = {"kty": "EC", "crv": crv,
                               "x": to_base64url_uint(numbers.x, bit_length=size * 8).decode(),
                               "y": to_base64url_uint(numbers.y, bit_length=size * 8).decode()}
        if hasattr(key_obj, "private_numbers"):
            obj["d"] = to_base64url_uint(key_obj.private_numbers().private_value, bit_length=size * 8).decode()
        return obj if as_dict else json.dumps(obj)

    @staticmethod
    def from_jwk(jwk: Union[str, bytes, dict[str, Any]]) -> Any:
        obj = _json_object(jwk)
        if obj.get("kty") != "EC":
            raise InvalidKeyError("Not an Elliptic curve key")
        alg = _JWK_CURVE_ALGS.get(obj.get("crv", ""))
        if alg is None:
            raise InvalidKeyError(f"Invalid curve: {obj.get('crv')}")
        _native.jwt_check_key(alg, obj, "d" in obj)  # core reads the JWK first
        if not has_crypto:
            return obj
        curves: dict[str, Any] = {
            "ES256": _ec.SECP256R1, "ES384": _ec.SECP384R1, "ES512": _ec.SECP521R1, "ES256K": _ec.SECP256K1,
        }
        curve = curves[alg]()
        public = _ec.EllipticCurvePublicNumbers(from_base64url_uint(obj["x"]), from_base64url_uint(obj["y"]), curve)
        if "d" not in obj:
            return public.public_key()
        return _ec.EllipticCurvePrivateNumbers(from_base64url_uint(obj["d"]), public).private_key()


class OKPAlgorithm(_AsymmetricAlgorithm):
    """EdDSA over Ed25519."""

    _not_a_key: ClassVar[type[Exception]] = InvalidKeyError

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(None)
        self.name = "EdDSA"

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        if not hasattr(key_obj, "public_bytes") and not hasattr(key_obj, "private_bytes"):
            raise InvalidKeyError("Not a public or private key")
        raw = _ser.Encoding.Raw
        if hasattr(key_obj, "private_bytes") and not hasattr(key_obj, "public_numbers"):
            try:
                d = key_obj.private_bytes(raw, _ser.PrivateFormat.Raw, _ser.NoEncryption())
                x = key_obj.public_key().public_bytes(raw, _ser.PublicFormat.Raw)
                obj = {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(x).decode(),
                       "d": base64url_encode(d).decode()}
                return obj if as_dict else json.dumps(obj)
            except (TypeError, ValueError):
                pass
        x = key_obj.public_bytes(raw, _ser.PublicFormat.Raw)
        obj = {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(x).decode()}
        return obj if as_dict else json.dumps(obj)

    @staticmethod
    def from_jwk(jwk: Union[str, bytes, dict[str, Any]]) -> Any:
        obj = _json_object(jwk)
        if obj.get("kty") != "OKP":
            raise InvalidKeyError("Not an Octet Key Pair")
        if obj.get("crv") != "Ed25519":
            raise InvalidKeyError(f"Invalid curve: {obj.get('crv')}")
        _native.jwt_check_key("EdDSA", obj, "d" in obj)  # core reads the JWK first
        if not has_crypto:
            return obj
        if "d" in obj:
            return _ed25519.Ed25519PrivateKey.from_private_bytes(base64url_decode(obj["d"]))
        return _ed25519.Ed25519PublicKey.from_public_bytes(base64url_decode(obj["x"]))


def get_default_algorithms() -> dict[str, Algorithm]:
    """Every algorithm Bulwark signs and verifies, by name (and ``none``, which verifies nothing)."""
    es256k = ECAlgorithm(ECAlgorithm.SHA256, _ec.SECP256K1 if has_crypto else None)
    es256k.name = "ES256K"
    algorithms: dict[str, Algorithm] = {
        "none": NoneAlgorithm(),
        "HS256": HMACAlgorithm(HMACAlgorithm.SHA256),
        "HS384": HMACAlgorithm(HMACAlgorithm.SHA384),
        "HS512": HMACAlgorithm(HMACAlgorithm.SHA512),
        "RS256": RSAAlgorithm(RSAAlgorithm.SHA256),
        "RS384": RSAAlgorithm(RSAAlgorithm.SHA384),
        "RS512": RSAAlgorithm(RSAAlgorithm.SHA512),
        "PS256": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA256),
        "PS384": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA384),
        "PS512": RSAPSSAlgorithm(RSAPSSAlgorithm.SHA512),
        "ES256": ECAlgorithm(ECAlgorithm.SHA256, _ec.SECP256R1 if has_crypto else None),
        "ES384": ECAlgorithm(ECAlgorithm.SHA384, _ec.SECP384R1 if has_crypto else None),
        "ES512": ECAlgorithm(ECAlgorithm.SHA512, _ec.SECP521R1 if has_crypto else None),
        # PyJWT's old name for ES512, kept for code that looks it up (tokens say ES512).
        "ES521": ECAlgorithm(ECAlgorithm.SHA512, _ec.SECP521R1 if has_crypto else None),
        "ES256K": es256k,
        "EdDSA": OKPAlgorithm(),
    }
    return algorithms
