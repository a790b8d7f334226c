"""A node's config file (node.toml)."""

import secrets
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from babel import localedata
from babel.numbers import get_territory_currencies

from node.retention import RetentionConfig
from schemas.envelope import COOP_ID_PATTERN
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

    @property
    def secret_bytes(self) -> bytes:
        return bytes.fromhex(self.secret)

    def store_env(self) -> dict[str, str]:
        return self.store.env(self.base_dir)

    def path(self, name: str) -> Path:
        return located(self.base_dir, name)


def new_secret() -> str:
    return secrets.token_hex(32)
