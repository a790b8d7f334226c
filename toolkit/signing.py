"""Signatures over what a node publishes: each NATS message it sends carries an
ed25519 signature of its exact bytes, made with the node's nkey seed and checked
by the consortium against the public key its registry holds for that co-op.

A hash chain proves order, not authorship: anyone who has seen one envelope can
extend it. A signature proves authorship, so the consortium checks it before it
reads a byte of the message.

The message id is derived from the signed message, so no one without the co-op's
key can predict it before the co-op publishes (and so claim it first in
JetStream's duplicate window); a "duplicate" acknowledgement then means these
very bytes are stored already.
"""

import base64
import binascii
import hashlib

import nacl.exceptions
import nacl.signing
import nkeys

# The NATS header that carries the signature (base64 of the 64 raw bytes).
SIGNATURE_HEADER = "Commonweal-Signature"


class Signer:
    """Signs messages with one nkey seed (``SU...``, as node.toml holds it)."""

    def __init__(self, seed: str) -> None:
        self._keys = nkeys.from_seed(bytearray(seed.encode()))
        self.public_key: str = self._keys.public_key.decode()

    def sign(self, data: bytes) -> str:
        signature: bytes = self._keys.sign(data)
        return base64.b64encode(signature).decode()


def message_id(coop_id: str, data: bytes, signature: str) -> str:
    """The Nats-Msg-Id of a signed message: the co-op and a sha256 over its
    signature and bytes, which only the holder of the co-op's key can know before
    the message is published."""
    digest = hashlib.sha256(signature.encode() + b"\n" + data).hexdigest()
    return f"{coop_id}:{digest}"


class InvalidKey(ValueError):
    """A string that is not an nkey user public key."""


def verify_key(public_key: str) -> nacl.signing.VerifyKey:
    """The ed25519 key inside an nkey user public key (``U...``), its prefix and
    checksum checked (nkeys itself verifies only from a seed)."""
    try:
        raw = base64.b32decode(public_key)
    except (binascii.Error, ValueError):
        raise InvalidKey(f"{public_key!r} is not an nkey public key") from None
    if len(raw) != 35 or raw[0] != nkeys.PREFIX_BYTE_USER:
        raise InvalidKey(f"{public_key!r} is not an nkey user public key")
    body, checksum = raw[:-2], raw[-2:]
    if nkeys.crc16(bytearray(body)).to_bytes(2, "little") != checksum:
        raise InvalidKey(f"{public_key!r} fails its checksum")
    return nacl.signing.VerifyKey(bytes(body[1:]))


def is_signed_by(key: nacl.signing.VerifyKey, data: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(data, raw)
    except (binascii.Error, ValueError, nacl.exceptions.CryptoError):
        return False
    return True
