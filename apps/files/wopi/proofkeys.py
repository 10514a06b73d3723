"""Proof keys: checking that a WOPI request was signed by the office server.

The office server signs, with the private key whose public half its discovery document
publishes, the bytes (each part preceded by its length, 4 bytes big-endian):
the access token (UTF-8), the request's full URL upper-cased (UTF-8), and X-WOPI-TimeStamp
(8 bytes big-endian: .NET ticks, 100 ns since 0001-01-01 UTC). RSA, PKCS#1 v1.5, SHA-256.
X-WOPI-Proof is made with its current key, X-WOPI-ProofOld with its previous one. A request is
genuine when the proof verifies with the current key, or ProofOld with the current key (we
hold a discovery document older than the server's key change), or the proof with the old key
(the server changed keys after we fetched), and its timestamp is at most 20 minutes old.
"""

import base64
import binascii
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# .NET ticks at the Unix epoch, and per second.
EPOCH_TICKS = 621_355_968_000_000_000
TICKS_PER_SECOND = 10_000_000
MAX_AGE_SECONDS = 20 * 60
# Clocks differ a little: a timestamp up to this far ahead of ours is still taken.
MAX_SKEW_SECONDS = 5 * 60


def ticks(seconds: float) -> int:
    """Seconds since the Unix epoch as .NET ticks."""
    return EPOCH_TICKS + int(seconds * TICKS_PER_SECOND)


def _part(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def expected_proof(access_token: str, url: str, timestamp: int) -> bytes:
    """The bytes the office server signs for a request."""
    return (
        _part(access_token.encode())
        + _part(url.upper().encode())
        + _part(timestamp.to_bytes(8, "big", signed=True))
    )


def public_key(pair: tuple[str, str]) -> rsa.RSAPublicKey:
    """The RSA key from discovery's base64 modulus and exponent (big-endian)."""
    modulus, exponent = (int.from_bytes(base64.b64decode(part), "big") for part in pair)
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def _verifies(pair: tuple[str, str] | None, signature: str | None, data: bytes) -> bool:
    if pair is None or not signature:
        return False
    try:
        key = public_key(pair)
        key.verify(base64.b64decode(signature), data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def fresh(timestamp: int, now: float | None = None) -> bool:
    seconds = (timestamp - EPOCH_TICKS) / TICKS_PER_SECOND
    age = (now if now is not None else time.time()) - seconds
    return -MAX_SKEW_SECONDS <= age <= MAX_AGE_SECONDS


def parse_timestamp(raw: str | None) -> int | None:
    if not raw or not raw.strip().isascii() or not raw.strip().isdigit():
        return None
    value = int(raw.strip())
    return value if value < 2**63 else None


def genuine(
    *,
    current: tuple[str, str] | None,
    old: tuple[str, str] | None,
    access_token: str,
    urls: list[str],
    proof: str | None,
    proof_old: str | None,
    timestamp: str | None,
    now: float | None = None,
) -> bool:
    """Whether the request's proof headers verify (for any of `urls`: the URL as we see it and
    as the office server may have called it behind a proxy) with a fresh timestamp."""
    stamp = parse_timestamp(timestamp)
    if stamp is None or not fresh(stamp, now):
        return False
    for url in urls:
        data = expected_proof(access_token, url, stamp)
        if (
            _verifies(current, proof, data)
            or _verifies(current, proof_old, data)
            or _verifies(old, proof, data)
        ):
            return True
    return False
