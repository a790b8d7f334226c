"""Config pieces shared by nodes and the consortium: where data lives, which broker.

Config files are TOML decoded by msgspec, so a wrong or misspelt key is an error
that names it rather than a silently ignored setting.

Relative paths in a config are resolved from the folder of its file (its
``base_dir``, set by ``load_config``). A config built in code has no folder, so a
relative path there is refused rather than quietly resolved from the current
directory of whatever process happens to hold it.
"""

import hashlib
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from toolkit.private_files import private_file, write_private


class ConfigError(ValueError):
    """A config file is missing or does not match its schema."""


class StoreConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """SQLite file by default; PostgreSQL when ``kind = "postgres"``."""

    kind: Literal["sqlite", "postgres"] = "sqlite"
    path: str = "commonweal.db"
    dbname: str = "commonweal"
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    schema: str = "public"
    # Seconds a writer waits for a lock held by another process before giving up.
    lock_timeout: Annotated[int, msgspec.Meta(ge=1)] = 10
    # The file of the keys personal data is sealed with (node.personal_keys),
    # apart from the events on either backend; "" is beside a SQLite store, or
    # personal-keys.db in the config's folder for PostgreSQL.
    keys_path: str = ""

    def env(self, base_dir: str = "") -> dict[str, str]:
        """The eventsourcing environment for this store; a relative SQLite path is
        resolved from ``base_dir`` (the config file's folder), and the file is
        made private (0600) before SQLite first opens it."""
        if self.kind == "sqlite":
            path = located(base_dir, self.path)
            private_file(path)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout),
                "PERSONAL_KEYS_PATH": str(
                    located(base_dir, self.keys_path)
                    if self.keys_path
                    else path.with_name(path.name + ".keys.db")
                ),
            }
        return {
            "PERSONAL_KEYS_PATH": str(self._postgres_keys(base_dir)),
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }

    def _postgres_keys(self, base_dir: str) -> Path:
        if self.keys_path or base_dir:
            return located(base_dir, self.keys_path or "personal-keys.db")
        # A config built in code (tests, tools) has no folder: one file per
        # database and schema in the temporary folder, the same every time.
        where = f"{self.host}:{self.port}/{self.dbname}/{self.schema}".encode()
        name = hashlib.sha256(where).hexdigest()[:32]  # a host may be a socket path
        return Path(tempfile.gettempdir()) / f"commonweal-keys-{name}.db"


class BrokerConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    servers: list[str] = msgspec.field(
        default_factory=lambda: ["nats://127.0.0.1:4222"]
    )
    user: str = ""
    password: str = ""
    # Per-node credentials issued by the consortium (federation.credentials): an
    # nkey seed (the broker holds only its public key) and the inbox prefix the
    # broker lets this user subscribe to for JetStream acks and replies.
    nkey_seed: str = ""
    inbox_prefix: str = ""

    def connect_options(self) -> dict[str, object]:
        options: dict[str, object] = {}
        if self.user:
            options.update(user=self.user, password=self.password)
        if self.nkey_seed:
            options["nkeys_seed_str"] = self.nkey_seed
        if self.inbox_prefix:
            options["inbox_prefix"] = self.inbox_prefix
        return options


class HttpConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the HTTP interface listens. The admin token itself is never stored:
    only its sha256 (``commonweal node init`` prints the token once)."""

    host: str = "127.0.0.1"
    port: int = 8080  # 0: any free port (printed at start)
    admin_token_sha256: str = ""
    # Threads that run the (synchronous) store commands off the event loop; 0 runs
    # them on the loop itself, which tests/bench/bench_http.py measured faster on
    # SQLite. Give a PostgreSQL node a few, so network waits do not stall the loop.
    workers: int = 0
    # sha256 of the token a Prometheus scraper presents for /metrics; empty:
    # /metrics answers only clients on loopback (behind a proxy, set a token).
    metrics_token_sha256: str = ""
    # Behind TLS (a reverse proxy that terminates it): mark the session cookie
    # Secure, so a browser never sends it over plain HTTP.
    secure_cookies: bool = False


def located(base_dir: str, name: str) -> Path:
    """``name`` resolved from ``base_dir``; an error if it is relative and there
    is no ``base_dir`` to resolve it from."""
    path = Path(name)
    if path.is_absolute():
        return path
    if not base_dir:
        raise ConfigError(
            f"relative path {name!r} in a config that was not loaded from a file: "
            "give an absolute path or the config's base_dir"
        )
    return Path(base_dir) / path


C = TypeVar("C", bound=msgspec.Struct)


def load_config(path: Path, config_type: type[C]) -> C:
    """Decode a config file; a config with a ``base_dir`` gets the file's folder
    (a ``base_dir`` written in the file is taken from that folder)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    try:
        config = msgspec.toml.decode(data, type=config_type)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise ConfigError(f"{path}: {error}") from None
    if "base_dir" in config_type.__struct_fields__:
        base_dir = str(Path(path).parent / getattr(config, "base_dir", ""))
        config = msgspec.structs.replace(config, base_dir=base_dir)
    return config


def write_config(path: Path, config: msgspec.Struct) -> None:
    """Write a config file, 0600, and the folder it goes in. Its ``base_dir`` is
    left out: that is where the file is, not what it says."""
    fields = without_none(msgspec.to_builtins(config))
    fields.pop("base_dir", None)
    write_private(Path(path), msgspec.toml.encode(fields))


def without_none(fields: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null: an unset optional section (``mail = None``) is left out,
    which reads back as None."""
    return {
        key: without_none(value) if isinstance(value, dict) else value
        for key, value in fields.items()
        if value is not None
    }
