"""bulwark.testing: with follow_python_time, freezegun moves Bulwark's clock for in-process rate
limits (Bulwark's own and the limits-shaped ones), OTP and JWT time claims; off, it does not."""

import time

import pytest
from freezegun import freeze_time

from bulwark import jwt, otp, ratelimit, testing

SECRET = "a secret of at least thirty-two bytes!"


@pytest.fixture(autouse=True)
def _restore():
    yield
    testing.follow_python_time(False)


def test_limiters_follow_a_frozen_clock_only_when_asked():
    limiter = ratelimit.RateLimiter("memory://", "fixed-window")
    limits_style = ratelimit.FixedWindowRateLimiter(ratelimit.MemoryStorage())
    item = ratelimit.parse("1/minute")
    with testing.python_time(), freeze_time("2026-01-01 00:00:00") as frozen:
        assert testing.following_python_time()
        assert limiter.hit("k", "1/minute").allowed and not limiter.hit("k", "1/minute").allowed
        assert limits_style.hit(item, "k") and not limits_style.hit(item, "k")
        stats = limits_style.get_window_stats(item, "k")
        assert stats.reset_time == pytest.approx(time.time() + 60)  # frozen time.time()
        frozen.tick(61)
        assert limiter.hit("k", "1/minute").allowed
        assert limits_style.hit(item, "k")
    assert not testing.following_python_time()
    # Off: frozen time does not move Bulwark's clock (a second hit in real time is denied).
    fresh = ratelimit.RateLimiter("memory://", "fixed-window")
    with freeze_time("2026-01-01 00:00:00") as frozen:
        assert fresh.hit("k", "1/minute").allowed
        frozen.tick(3600)
        assert not fresh.hit("k", "1/minute").allowed


def test_otp_and_jwt_follow_a_frozen_clock():
    totp = otp.TOTP(otp.random_base32())
    with testing.python_time(), freeze_time("2001-09-09 01:46:40"):
        assert totp.now() == totp.at(1_000_000_000)
        assert totp.verify(totp.at(1_000_000_000))
        token = jwt.encode({"exp": 1_000_000_060}, SECRET, algorithm="HS256")
        assert jwt.decode(token, SECRET, algorithms=["HS256"])["exp"] == 1_000_000_060
    with testing.python_time(), freeze_time("2001-09-09 01:48:00"), pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, SECRET, algorithms=["HS256"])
    with pytest.raises(jwt.ExpiredSignatureError):  # and in real time it is long expired
        jwt.decode(token, SECRET, algorithms=["HS256"])
