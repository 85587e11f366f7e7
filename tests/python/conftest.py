"""Shared fixtures: the test vectors beside the repository, and the C library for ctypes tests."""

import ctypes
import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = pathlib.Path(os.environ.get("BULWARK_VECTORS", ROOT.parent / "shared" / "vectors"))


def load_vectors(rel):
    """The JSON vector file ../shared/vectors/<rel>; a test fails loudly when shared/ is absent
    (known-answer tests never pass by skipping)."""
    path = VECTORS / rel
    if not path.is_file():
        pytest.fail(f"test vectors not found at {path}: put shared/ beside the repository or set BULWARK_VECTORS")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def clib():
    """libbulwark.so through ctypes (`make test` sets BULWARK_LIB); skipped when not built."""
    path = os.environ.get("BULWARK_LIB")
    if not path:
        pytest.skip("BULWARK_LIB not set: run through `make test` to include the C-door round-trips")
    lib = ctypes.CDLL(path)
    c = ctypes
    sig = {
        "bw_password_hash": [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_bcrypt_hash": [c.c_char_p, c.c_size_t, c.c_uint32, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_password_verify": [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_bool)],
        "bw_password_needs_rehash": [c.c_char_p, c.c_size_t, c.POINTER(c.c_bool)],
        "bw_aead_encrypt_with_nonce": [c.c_uint32, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                            c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_aead_decrypt_with_nonce": [c.c_uint32, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                            c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_fernet_encrypt": [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                              c.POINTER(c.c_size_t)],
        "bw_fernet_decrypt": [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_uint64), c.c_char_p,
                              c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_keyring_from_json": [c.c_char_p, c.c_size_t, c.POINTER(c.c_void_p)],
        "bw_keyring_encrypt": [c.c_void_p, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                               c.POINTER(c.c_size_t)],
        "bw_keyring_decrypt": [c.c_void_p, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                               c.POINTER(c.c_size_t)],
        "bw_keyring_free": [c.c_void_p],
        "bw_apikey_verify": [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_bool)],
        "bw_redact_json": [c.c_void_p, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_jwt_encode": [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p,
                          c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
        "bw_jwt_verifier_new": [c.c_void_p, c.POINTER(c.c_void_p)],
        "bw_jwt_verifier_verify": [c.c_void_p, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                                   c.POINTER(c.c_size_t)],
        "bw_jwt_verifier_free": [c.c_void_p],
        "bw_totp_code": [c.c_char_p, c.c_size_t, c.c_void_p, c.c_uint64, c.c_char_p, c.c_size_t,
                         c.POINTER(c.c_size_t)],
        "bw_hotp_code": [c.c_char_p, c.c_size_t, c.c_void_p, c.c_uint64, c.c_char_p, c.c_size_t,
                         c.POINTER(c.c_size_t)],
        "bw_totp_verify": [c.c_char_p, c.c_size_t, c.c_void_p, c.c_char_p, c.c_size_t, c.c_uint64, c.c_uint64,
                           c.POINTER(c.c_bool), c.POINTER(c.c_uint64)],
        "bw_totp_provisioning_uri": [c.c_char_p, c.c_size_t, c.c_void_p, c.c_char_p, c.c_size_t, c.c_char_p,
                                     c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(c.c_size_t)],
    }
    for name, args in sig.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = c.c_uint32
    return lib


def releases_gil(fn, tries=200):
    """Whether ``fn`` lets another Python thread run while it works.

    The switch interval is raised for the duration so the other thread can only run when
    ``fn`` releases the GIL itself (a native call without it, or a blocking wait), never on the
    interpreter's timer. ``fn`` is called up to ``tries`` times, stopping at the first call during
    which the other thread moved; the answer depends on what ``fn`` does, not on how fast or loaded
    the machine is (a thread that is slow to be scheduled gets the next call's release)."""
    import sys
    import threading
    import time

    counter = [0]
    started, stop = threading.Event(), threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)  # hand the GIL back at once, so fn never waits on this thread's timer

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    t = threading.Thread(target=spin)
    try:
        t.start()
        started.wait()
        for _ in range(tries):
            before = counter[0]
            fn()
            if counter[0] != before:
                return True
        return False
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(interval)
