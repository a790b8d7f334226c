"""One aggregator process per partition: a PostgreSQL lock held while it runs.

Two processes started for the same partition would share its durable consumer,
and a message redelivered to one while the other was still applying it could be
counted twice (each read the co-op's position before the other committed). So a
partition's process first takes PostgreSQL's advisory lock for the partition, on
a connection of its own, and holds it as long as it runs; the server lets it go
when the process dies, however it dies. A second process for the partition
waits as a standby and takes over then.
"""

import asyncio
import logging

import psycopg

from toolkit.config import StoreConfig

log = logging.getLogger(__name__)

# How often a standby asks for the lock.
STANDBY_POLL_SECONDS = 1.0


class PartitionLock:
    def __init__(self, store: StoreConfig, partition: int) -> None:
        self.store = store
        self.partition = partition
        self.held = False
        self._connection: psycopg.Connection | None = None

    async def acquire(self) -> None:
        """Wait until this process holds its partition's lock."""
        said = False
        while not await asyncio.to_thread(self._try):
            if not said and self._connection is not None:
                log.warning(
                    "partition %d is being applied by another process; standing by",
                    self.partition,
                )
                said = True
            await asyncio.sleep(STANDBY_POLL_SECONDS)
        self.held = True

    def _try(self) -> bool:
        try:
            return self._ask()
        except psycopg.Error as error:  # the server is away: ask again later
            log.warning("partition lock: %s", error)
            self.release()
            return False

    def _ask(self) -> bool:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(
                host=self.store.host,
                port=self.store.port,
                user=self.store.user,
                password=self.store.password,
                dbname=self.store.dbname,
                autocommit=True,
                connect_timeout=5,
            )
        # Keyed by the store's schema too: consortia in one database are apart.
        row = self._connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s), %s)",
            (f"commonweal partition {self.store.schema}", self.partition),
        ).fetchone()
        return bool(row and row[0])

    def release(self) -> None:
        """Closing the session frees the lock."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.held = False
