"""A backup's secrets, apart from its data and sealed with a passphrase.

A config holds what must never sit in a plain backup: the node's pseudonym
secret, the co-op's nkey seed, database and mail passwords, token hashes. They are
taken out of the config before it is written (``split_secrets``) and kept in a
file of their own, encrypted under a key derived from the operator's passphrase
(scrypt, then XSalsa20-Poly1305 from PyNaCl: a wrong passphrase or a changed byte
fails to open it).
"""

import base64
import getpass
import os
from typing import Any

import msgspec
import nacl.exceptions
import nacl.pwhash.scrypt as scrypt
import nacl.utils
from nacl.secret import SecretBox

PASSPHRASE_ENV = "COMMONWEAL_BACKUP_PASSPHRASE"
MIN_PASSPHRASE = 12
# Config keys whose values are secrets, wherever they appear in a config.
SECRET_KEYS = frozenset(
    {"secret", "nkey_seed", "password", "admin_token_sha256", "metrics_token_sha256"}
)
# scrypt's cost: ~0.3 s and 64 MiB to try one passphrase. A file asking for more
# than the ceiling is refused before any memory is spent on it.
OPSLIMIT = 2**21
MEMLIMIT = 64 * 2**20
MEMLIMIT_CEILING = 2**30


class BackupError(ValueError):
    """A backup cannot be written or restored; the message says why."""


class SealedSecrets(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kdf: str
    salt: str
    opslimit: int
    memlimit: int
    box: str  # base64 of SecretBox's nonce + ciphertext


def split_secrets(
    fields: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    """``fields`` without its secrets, and the secrets by dotted path."""
    plain: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for key, value in fields.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            plain[key], inner = split_secrets(value, f"{path}.")
            secrets.update(inner)
        elif key in SECRET_KEYS and value:
            secrets[path] = value
        else:
            plain[key] = value
    return plain, secrets


def join_secrets(plain: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """``plain`` with the secrets put back where ``split_secrets`` took them."""
    fields = msgspec.json.decode(msgspec.json.encode(plain))  # a deep copy
    for path, value in secrets.items():
        *tables, key = path.split(".")
        table = fields
        for name in tables:
            table = table.setdefault(name, {})
        table[key] = value
    result: dict[str, Any] = fields
    return result


def seal(secrets: dict[str, str], passphrase: str) -> bytes:
    salt = nacl.utils.random(scrypt.SALTBYTES)
    box = SecretBox(_key(passphrase, salt, OPSLIMIT, MEMLIMIT))
    sealed = box.encrypt(msgspec.json.encode(secrets))
    return msgspec.json.encode(
        SealedSecrets(
            kdf="scrypt",
            salt=salt.hex(),
            opslimit=OPSLIMIT,
            memlimit=MEMLIMIT,
            box=base64.b64encode(bytes(sealed)).decode("ascii"),
        )
    )


def unseal(data: bytes, passphrase: str) -> dict[str, str]:
    try:
        sealed = msgspec.json.decode(data, type=SealedSecrets)
        if sealed.kdf != "scrypt" or sealed.memlimit > MEMLIMIT_CEILING:
            raise BackupError("the secrets file asks for an unknown or too costly key")
        key = _key(
            passphrase, bytes.fromhex(sealed.salt), sealed.opslimit, sealed.memlimit
        )
        opened = SecretBox(key).decrypt(base64.b64decode(sealed.box))
    except nacl.exceptions.CryptoError:
        raise BackupError(
            "cannot open the backup's secrets: wrong passphrase, or the secrets "
            "file was changed"
        ) from None
    except (msgspec.DecodeError, ValueError) as error:
        if isinstance(error, BackupError):
            raise
        raise BackupError(f"the backup's secrets file is damaged: {error}") from None
    return msgspec.json.decode(opened, type=dict[str, str])


def _key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    key: bytes = scrypt.kdf(
        SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )
    return key


def passphrase(*, confirm: bool) -> str:
    """The passphrase from $COMMONWEAL_BACKUP_PASSPHRASE, or asked for (twice when
    making a backup). Never an argument: command lines are visible to others."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given is None:
        given = getpass.getpass("backup passphrase: ")
        if confirm and getpass.getpass("the same again: ") != given:
            raise BackupError("the two passphrases differ")
    if len(given) < MIN_PASSPHRASE:
        raise BackupError(
            f"the backup passphrase must be at least {MIN_PASSPHRASE} characters "
            f"(set {PASSPHRASE_ENV} or type it when asked)"
        )
    return given
