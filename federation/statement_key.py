"""The consortium's statement key: the ed25519 key it signs what it says about
co-ops with (each co-op's mirror of the network, attestations a commissioner
checks). Anyone holding its public key checks a statement offline.

It is not the consortium's broker nkey: that one only proves who connects to the
broker, may be rotated with the hub, and an open demo broker has none. The seed
is kept in its own 0600 file beside consortium.toml (``statement_key_file``),
made the first time it is needed, so an existing consortium gains one without
an edit.
"""

from pathlib import Path

from federation.config import ConsortiumConfig
from federation.credentials import new_user_seed
from toolkit.config import ConfigError
from toolkit.private_files import write_private
from toolkit.signing import Signer


def statement_key_path(config: ConsortiumConfig) -> Path:
    return config.path(config.statement_key_file)


def statement_signer(config: ConsortiumConfig) -> Signer:
    """The consortium's statement signer, its seed made on first use."""
    path = statement_key_path(config)
    if not path.exists():
        write_private(path, new_user_seed().encode() + b"\n")
    seed = path.read_text().strip()
    if not seed.startswith("SU"):
        raise ConfigError(f"{path} does not hold an nkey user seed (SU...)")
    return Signer(seed)


def statement_public_key(config: ConsortiumConfig) -> str:
    """What a node or a commissioner is given to check the consortium's statements."""
    return statement_signer(config).public_key
