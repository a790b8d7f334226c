"""The consortium's statement key: made once, kept private, stable across loads."""

import stat
from pathlib import Path

import pytest

from federation.config import ConsortiumConfig
from federation.statement_key import (
    statement_key_path,
    statement_public_key,
    statement_signer,
)
from toolkit.config import ConfigError
from toolkit.signing import is_signed_by, verify_key


def test_the_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    config = ConsortiumConfig(base_dir=str(tmp_path))
    first = statement_public_key(config)
    assert statement_public_key(config) == first
    mode = stat.S_IMODE(statement_key_path(config).stat().st_mode)
    assert mode == 0o600


def test_a_statement_checks_with_the_public_key_and_fails_when_altered(
    tmp_path: Path,
) -> None:
    config = ConsortiumConfig(base_dir=str(tmp_path))
    signature = statement_signer(config).sign(b"statement")
    key = verify_key(statement_public_key(config))
    assert is_signed_by(key, b"statement", signature)
    assert not is_signed_by(key, b"statemenT", signature)


def test_a_file_that_is_not_a_seed_is_refused_by_name(tmp_path: Path) -> None:
    config = ConsortiumConfig(base_dir=str(tmp_path))
    statement_key_path(config).write_text("not a seed\n")
    with pytest.raises(ConfigError, match=r"statement\.seed"):
        statement_signer(config)
