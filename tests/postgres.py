"""The PostgreSQL server that PostgreSQL tests run against.

The one named by ``COMMONWEAL_TEST_POSTGRES`` (a libpq URL such as
``postgresql://postgres@127.0.0.1:5432/test``) when it is set; otherwise a private
PostgreSQL 16 from the ``pgserver`` wheel, in a temporary directory, listening only
on a Unix socket there. Either way the suite needs nothing but Python installed.
"""

import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from toolkit.config import StoreConfig

ENV_VAR = "COMMONWEAL_TEST_POSTGRES"


@dataclass(frozen=True)
class Postgres:
    """Where a server is: ``host`` is a host name or a Unix socket directory."""

    host: str
    port: int
    user: str
    dbname: str
    password: str = ""

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        """An autocommit connection, to ``dbname`` or the server's own database."""
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            autocommit=True,
        )

    def store(
        self, *, schema: str = "public", dbname: str | None = None
    ) -> StoreConfig:
        """A store in ``schema`` of ``dbname``, by default the server's database."""
        return StoreConfig(
            kind="postgres",
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            schema=schema,
        )


def named(url: str) -> Postgres:
    """The server a libpq URL or ``key=value`` string names."""
    parts = conninfo_to_dict(url)
    return Postgres(
        host=str(parts.get("host") or "127.0.0.1"),
        port=int(parts.get("port") or 5432),
        user=str(parts.get("user") or "postgres"),
        dbname=str(parts.get("dbname") or "postgres"),
        password=str(parts.get("password") or ""),
    )


@contextmanager
def private_postgres() -> Iterator[Postgres]:
    """Start a PostgreSQL of our own; stop it and delete its data afterwards.

    PostgreSQL refuses to run as root: as root, pgserver runs it as a system user
    named ``pgserver`` (created with ``useradd`` the first time) and lets that user
    read and traverse the folders above its binaries and the data directory.
    """
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (as it is for root and
        # in CI); pgserver then keeps its lock file under /tmp, which is fine.
        warnings.simplefilter("ignore")
        import pgserver  # here: only sessions without a named server need it

    base = Path(tempfile.mkdtemp(prefix="commonweal-pg-"))
    server = pgserver.get_server(base / "data", cleanup_mode="delete")
    try:
        info = server.get_postmaster_info()
        assert info.socket_dir is not None and info.port is not None
        yield Postgres(
            host=str(info.socket_dir),
            port=info.port,
            user="postgres",
            dbname="postgres",
        )
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
