"""Co-ops split across aggregator processes: which partition holds a co-op, and
the subjects that say so on the federation stream.

With ``partitions = N`` in consortium.toml the federation stream stores what a
node publishes on ``cw.coop.<coop>.<stream>`` under
``cw.coop.<coop>.<stream>.<K>``, where K is nats-server's
``{{partition(N, 1)}}`` of the co-op id: the broker computes it as it stores
the message (a stream subject transform), so nodes publish as they always have
and need no broker config of their own. Aggregator K reads ``cw.coop.*.*.K``
through a durable consumer of its own and applies into the shared PostgreSQL
store. A co-op hashes to the same K for as long as N stays the same, so one
process only ever applies it: the per-co-op chain and tracking checks of
``federation.ingest`` hold as in a single aggregator. Changing N would move
co-ops between processes, so the stream refuses it (``PartitionsChanged``).
"""

from nats.js.api import SubjectTransform

# What the transform rewrites: a co-op's subjects exactly as nodes publish them.
PUBLISHED_SUBJECTS = "cw.coop.*.*"
MAX_PARTITIONS = 64

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


class PartitionsChanged(RuntimeError):
    """The stream is already split another way than this consortium is set to."""


def partition_of(coop_id: str, partitions: int) -> int:
    """The partition nats-server stores ``coop_id``'s messages in: FNV-1a (32
    bits) of the id, modulo the number of partitions, as its ``partition``
    transform computes it (tests check the two agree)."""
    digest = _FNV_OFFSET
    for byte in coop_id.encode():
        digest = ((digest ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return digest % partitions


def stream_transform(partitions: int) -> SubjectTransform | None:
    """The federation stream's subject transform; none when not partitioned,
    so a single aggregator's stream is stored exactly as before."""
    if partitions == 1:
        return None
    return SubjectTransform(
        src=PUBLISHED_SUBJECTS,
        dest=f"cw.coop.{{{{wildcard(1)}}}}.{{{{wildcard(2)}}}}"
        f".{{{{partition({partitions},1)}}}}",
    )


def partitions_of(transform: SubjectTransform | None) -> int:
    """How many ways an existing stream's transform splits the co-ops."""
    if transform is None or not transform.dest:
        return 1
    if transform.src != PUBLISHED_SUBJECTS or "{{partition(" not in transform.dest:
        raise PartitionsChanged(
            f"the federation stream rewrites subjects as {transform.src} -> "
            f"{transform.dest}, which commonweal did not write"
        )
    count = transform.dest.split("{{partition(", 1)[1].split(",", 1)[0]
    return int(count)


def partition_subjects(partition: int, partitions: int) -> str:
    """What aggregator ``partition`` reads from the stream."""
    if partitions == 1:
        return "cw.coop.>"
    return f"{PUBLISHED_SUBJECTS}.{partition}"


def consumer_name(durable: str, partition: int, partitions: int) -> str:
    """The durable consumer of one partition; a single aggregator's keeps the
    configured name, so an unpartitioned consortium resumes where it was."""
    if partitions == 1:
        return durable
    return f"{durable}-{partition}-of-{partitions}"


def published_subject(stored: str, partitions: int) -> str:
    """The subject a message was published on, from the one the stream stored it
    under. A partition token the broker would not have written (a node that
    published on five tokens itself) is left in place, so ingest refuses the
    subject as not a co-op's rather than apply a co-op in the wrong process."""
    if partitions == 1:
        return stored
    published, _, token = stored.rpartition(".")
    parts = published.split(".")
    if len(parts) != 4 or token != str(partition_of(parts[2], partitions)):
        return stored
    return published
