"""A node's config file (node.toml)."""

import secrets
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from babel import localedata
from babel.numbers import get_territory_currencies

from node.retention import RetentionConfig
from schemas.envelope import COOP_ID_PATTERN, STREAMS
from toolkit.config import BrokerConfig, HttpConfig, StoreConfig, located
from toolkit.signing import verify_key

DEFAULT_SHARED_STREAMS = ["membership", "governance", "care", "timebank"]
# The secret in deploy/config/node.example.toml: published, so anyone could link
# the pseudonyms of a node that kept it. A node refuses to start with it.
EXAMPLE_SECRET = "00000000000000000000000000000000000000000000000000000000000000aa"


class MailConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the node sends its notifications (node.notifier). A node without a
    ``[mail]`` table, or with ``enabled = false``, queues them and sends none."""

    host: str
    from_address: Annotated[str, msgspec.Meta(pattern=r"^[^@\s<>]+@[^@\s<>]+$")]
    port: int = 25
    user: str = ""
    password: str = ""
    # STARTTLS after connecting (port 587), or TLS from the start (port 465).
    starttls: bool = False
    tls: bool = False
    enabled: bool = True
    # Seconds to wait on the mail server before trying again later.
    timeout: float = 30.0
    # The node's public address, for links in messages ("" leaves links out).
    site_url: str = ""

    @property
    def domain(self) -> str:
        """The right-hand side of every Message-ID this node writes."""
        return self.from_address.rsplit("@", 1)[1]


# A consortium's name keys its members' pseudonyms (node.consortia) and names
# its chain in the node's store: short, plain and never changed once used.
CONSORTIUM_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class ConsortiumLink(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A further consortium the co-op belongs to (a ``[[consortia]]`` table):
    its broker, the credentials it issued this node, and the streams it gets.

    The node's first consortium is the one ``[broker]`` and ``share`` name."""

    name: Annotated[str, msgspec.Meta(pattern=CONSORTIUM_NAME_PATTERN)]
    servers: Annotated[list[str], msgspec.Meta(min_length=1)]
    # Nothing is shared unless named: a thematic consortium may want one stream.
    share: list[str]
    nkey_seed: str = ""
    inbox_prefix: str = ""
    user: str = ""
    password: str = ""

    @property
    def broker(self) -> BrokerConfig:
        return BrokerConfig(
            servers=self.servers,
            user=self.user,
            password=self.password,
            nkey_seed=self.nkey_seed,
            inbox_prefix=self.inbox_prefix,
        )


class LocaleConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The co-op's language and ways (``[locale]``): the language its pages are in
    for anyone who has not chosen one, and how dates and money are written."""

    # toolkit.web.i18n.LANGUAGES: "en", "it" or "fr".
    language: Annotated[str, msgspec.Meta(pattern=r"^(en|it|fr)$")] = "en"
    # ISO 3166 country: with the language it makes the CLDR locale ("fr" + "CA"
    # writes dates and money as in Québec).
    country: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")] = "GB"
    # ISO 4217; "" is the country's own (CAD in CA, EUR in IT).
    currency: Annotated[str, msgspec.Meta(pattern=r"^([A-Z]{3})?$")] = ""
    # IANA time zone for times shown on pages; "" is UTC.
    time_zone: str = ""

    def __post_init__(self) -> None:
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"time_zone {self.time_zone!r} is not a time zone; "
                    "name one such as Europe/Rome"
                ) from None

    @property
    def money(self) -> str:
        """The currency amounts are in."""
        if self.currency:
            return self.currency
        return (get_territory_currencies(self.country) or ["EUR"])[0]

    def locale(self, language: str) -> str:
        """The CLDR locale for pages in ``language`` at this co-op: "it_IT",
        "fr_CA", "en_CA"; the language alone where CLDR has no such pair."""
        pair = f"{language}_{self.country}"
        return pair if localedata.exists(pair) else language


class NodeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    coop_id: Annotated[str, msgspec.Meta(pattern=COOP_ID_PATTERN)]
    name: Annotated[str, msgspec.Meta(min_length=1)]
    # Keys the member pseudonyms; losing it breaks continuity, leaking it lets the
    # holder link pseudonyms to member ids. Never shared.
    secret: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{32,}$")]
    profile: str = "uk_multi_stakeholder"
    share: list[str] = msgspec.field(
        default_factory=lambda: list(DEFAULT_SHARED_STREAMS)
    )
    store: StoreConfig = msgspec.field(default_factory=StoreConfig)
    broker: BrokerConfig = msgspec.field(default_factory=BrokerConfig)
    # The name of the consortium of ``[broker]`` and ``share``, on pages.
    consortium_name: Annotated[str, msgspec.Meta(pattern=CONSORTIUM_NAME_PATTERN)] = (
        "consortium"
    )
    # Further consortia (a regional and a thematic one), each under its own policy.
    consortia: list[ConsortiumLink] = msgspec.field(default_factory=list)
    http: HttpConfig = msgspec.field(default_factory=HttpConfig)
    mail: MailConfig | None = None
    locale: LocaleConfig = msgspec.field(default_factory=LocaleConfig)
    # How long care records are kept after their person is erased.
    retention: RetentionConfig = msgspec.field(default_factory=RetentionConfig)
    # A spin-off's runners (node.spinoff.FoundingMember, JSON), admitted as founding
    # members on first start; the file is deleted once they are in the store.
    founders: str = ""
    # The consortium's statement key (``commonweal consortium statement-key``):
    # the network's mirror of this co-op is read only if signed with it; "" reads
    # none.
    consortium_key: str = ""
    # How often, in seconds, the node looks for hours relayed to it by the
    # consortium (node.relay_fetch); it looks at once after sending some.
    relay_every: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 3.0
    # Where relative paths are resolved: the config file's folder, set when loaded
    # (toolkit.config.load_config); empty in a config built in code.
    base_dir: str = ""

    def __post_init__(self) -> None:
        if self.secret == EXAMPLE_SECRET:
            raise ValueError(
                "secret is the example's, published for everyone: make this node's "
                "own with `python3 -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        if self.consortium_key:
            verify_key(self.consortium_key)  # InvalidKey (a ValueError) says why
        _refuse_unknown_streams("share", self.share)
        names = {self.consortium_name: "consortium_name"}
        servers = {server: "[broker]" for server in self.broker.servers}
        for index, link in enumerate(self.consortia):
            where = f"consortia[{index}]"
            _refuse_unknown_streams(f"{where}.share", link.share)
            if link.name in names:
                raise ValueError(
                    f"{where}.name: {link.name!r} names a consortium this node "
                    f"belongs to already ({names[link.name]}); give each its own name"
                )
            names[link.name] = f"{where}.name"
            for server in link.servers:
                if server in servers:
                    # Two chains of one co-op on one broker's stream would
                    # break each other at the consortium.
                    raise ValueError(
                        f"{where}.servers: {server} is the broker of another "
                        f"consortium of this node ({servers[server]}); a co-op "
                        "replicates to each consortium once"
                    )
                servers[server] = where

    def consortium_links(self) -> list[ConsortiumLink]:
        """Every consortium the co-op replicates to; the ``[broker]`` one first."""
        first = ConsortiumLink(
            name=self.consortium_name,
            servers=self.broker.servers,
            share=self.share,
            nkey_seed=self.broker.nkey_seed,
            inbox_prefix=self.broker.inbox_prefix,
            user=self.broker.user,
            password=self.broker.password,
        )
        return [first, *self.consortia]

    @property
    def secret_bytes(self) -> bytes:
        return bytes.fromhex(self.secret)

    def store_env(self) -> dict[str, str]:
        return self.store.env(self.base_dir)

    def path(self, name: str) -> Path:
        return located(self.base_dir, name)


def _refuse_unknown_streams(field: str, streams: list[str]) -> None:
    unknown = [stream for stream in streams if stream not in STREAMS]
    if unknown:
        raise ValueError(
            f"{field}: {', '.join(map(repr, unknown))} is not a stream; the streams "
            f"are {', '.join(STREAMS)}"
        )


def new_secret() -> str:
    return secrets.token_hex(32)
