"""The consortia a node replicates to (a regional and a thematic one, say), each
under its own sharing policy, pseudonym key, chain and position.

The first consortium (node.toml's ``[broker]`` and ``share``) keeps exactly what
a node had before it could belong to two: pseudonyms keyed by the node secret
itself, the tracking record named ``replicator`` and the chain row under the
co-op's id. So a node upgrading publishes on from where it stood, sending
nothing twice and breaking no chain.

Each further consortium (``[[consortia]]``) has, in the same store, a tracking
record and a chain row of its own: it sees a dense chain (1, 2, 3 ...) of only
what it receives, so the gaps reveal nothing of what the other consortium gets.
Its pseudonyms and event ids are keyed by a key derived from the node secret and
the consortium's name: two consortia comparing their data cannot link one
member, or one event, across them (SECURITY.md). A consortium's name is
therefore part of its identity: renamed, it would be a new consortium.
"""

import hmac
from typing import NamedTuple

import msgspec

from node.application import ALLOWLIST, CoopNode
from node.config import ConsortiumLink, NodeConfig
from node.hours_exchange import HOURS_SHARING
from node.replicator import (
    NO_KEY,
    TRACKING_NAME,
    ChainHead,
    ReplicationLog,
    Replicator,
)
from node.sharing import SharingPolicy
from toolkit.signing import Signer

# Domain separation: a key derived for pseudonyms is no other key of the node.
PSEUDONYM_KEY_CONTEXT = b"commonweal consortium pseudonyms\x00"


def pseudonym_key(secret: bytes, consortium: str) -> bytes:
    """The key a further consortium's pseudonyms and event ids are made with:
    one-way from the node secret, so holding it reveals neither the secret nor
    another consortium's key."""
    return hmac.digest(secret, PSEUDONYM_KEY_CONTEXT + consortium.encode(), "sha256")


class ConsortiumChain:
    """A further consortium's rows in the node's replication log: its tracking
    record and chain head under names of its own."""

    def __init__(self, log: ReplicationLog, consortium: str) -> None:
        self.log = log
        self.tracking_name = f"{TRACKING_NAME}:{consortium}"
        self._suffix = f"@{consortium}"

    def _key(self, coop_id: str) -> str:
        return coop_id + self._suffix

    def head(self, coop_id: str) -> ChainHead:
        return self.log.head(self._key(coop_id), self.tracking_name)

    def is_restored(self, coop_id: str) -> bool:
        return self.log.is_restored(self._key(coop_id))

    def mark_restored(self, coop_id: str, backup_created_at: str) -> None:
        self.log.mark_restored(self._key(coop_id), backup_created_at)

    def record_checked(self, coop_id: str, head: ChainHead) -> None:
        self.log.record_checked(self._key(coop_id), head, self.tracking_name)

    def record_published(self, coop_id: str, head: ChainHead) -> None:
        self.log.record_published(self._key(coop_id), head, self.tracking_name)


def chain_of(
    log: ReplicationLog, config: NodeConfig, link: ConsortiumLink
) -> ReplicationLog | ConsortiumChain:
    if link.name == config.consortium_name:
        return log
    return ConsortiumChain(log, link.name)


def mark_restored(log: ReplicationLog, config: NodeConfig, created_at: str) -> None:
    """A store restored from a backup: every consortium's replicator reads its
    stream before publishing again (node.stream_check)."""
    for link in config.consortium_links():
        chain_of(log, config, link).mark_restored(config.coop_id, created_at)


def policy_for(config: NodeConfig, link: ConsortiumLink) -> SharingPolicy:
    """Hours sent to other co-ops clear through the first consortium alone, and
    through it whatever streams it receives: held hours would wait for ever for
    an answer it never relays. No further consortium sees them."""
    if link.name == config.consortium_name:
        secret = config.secret_bytes
        return SharingPolicy(secret, ALLOWLIST, link.share, carried=HOURS_SHARING)
    secret = pseudonym_key(config.secret_bytes, link.name)
    allowlist = {t: r for t, r in ALLOWLIST.items() if t not in HOURS_SHARING}
    return SharingPolicy(secret, allowlist, link.share)


class Replication(NamedTuple):
    """What one consortium receives from this node, and the replicator sending it."""

    link: ConsortiumLink
    policy: SharingPolicy
    replicator: Replicator


def replications(
    coop_node: CoopNode, config: NodeConfig, log: ReplicationLog
) -> list[Replication]:
    """One replicator per consortium, the ``[broker]`` one first."""
    made = []
    for link in config.consortium_links():
        policy = policy_for(config, link)
        replicator = Replicator(
            coop_node,
            policy,
            chain_of(log, config, link),
            link.servers,
            Signer(link.nkey_seed) if link.nkey_seed else None,
            connect_options=link.broker.connect_options(),
        )
        made.append(Replication(link, policy, replicator))
    return made


class ConsortiumStatus(msgspec.Struct, frozen=True):
    """How one consortium's replication stands."""

    name: str
    # The streams it receives, in the order node.toml lists them.
    streams: list[str]
    connected: bool
    # Envelopes it has acknowledged over the co-op's life: its chain's length.
    envelopes_sent: int
    # Events in the store the replicator has not yet passed through for it.
    events_behind: int
    # Why nothing is reaching it now ("" when all is well).
    problem: str = ""
    no_signing_key: bool = False


class ConsortiaStatus(msgspec.Struct, frozen=True):
    events_stored: int
    consortia: list[ConsortiumStatus]


def consortia_status(
    coop_node: CoopNode, replicating: list[Replication]
) -> ConsortiaStatus:
    stored = coop_node.recorder.max_notification_id() or 0
    statuses = []
    for link, _, replicator in replicating:
        problem = replicator.halted or replicator.last_error or ""
        statuses.append(
            ConsortiumStatus(
                name=link.name,
                streams=list(link.share),
                connected=replicator.broker.connected,
                envelopes_sent=replicator.published.seq,
                events_behind=max(0, stored - replicator.published.position),
                problem="" if problem == NO_KEY else problem,
                no_signing_key=replicator.signer is None,
            )
        )
    return ConsortiaStatus(stored, statuses)
