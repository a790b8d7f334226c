"""How long care records are kept after a person is erased: the co-op's retention
policy (``[retention]`` in node.toml), and the day a person's care records may go.

Erasing a person destroys the key of their personal data at once; the key of
their care records (node.personal_keys, category ``care``) is kept until the last
of their records has been kept as long as the law asks, then destroyed by the
node's clock (node.erasure.expire_due_keys).
"""

import datetime as dt

import msgspec


class RetentionConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Years each kind of care record is kept after it ends. The defaults follow
    the UK's Records Management Code of Practice (NHS England, 2023): adult
    social care records 8 years after care ends; incident records 10 years
    (serious incidents 20: raise ``incidents_years`` where the co-op's incidents
    are serious ones). Children's records are kept longer (to the 25th or 26th
    birthday): a co-op caring for children sets ``care_records_years`` to match."""

    care_records_years: int = msgspec.field(default=8)
    incidents_years: int = msgspec.field(default=10)

    def __post_init__(self) -> None:
        for name in ("care_records_years", "incidents_years"):
            if not 0 <= getattr(self, name) <= 100:
                raise ValueError(f"retention {name} must be 0 to 100 years")


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February: 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept_until(
    care_ended: list[dt.date], incidents_ended: list[dt.date], policy: RetentionConfig
) -> dt.date | None:
    """The last day the care records that ended on these days must be kept
    (None: there are none)."""
    ends = [years_after(day, policy.care_records_years) for day in care_ended]
    ends += [years_after(day, policy.incidents_years) for day in incidents_ended]
    return max(ends, default=None)
