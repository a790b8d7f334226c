"""Board members' terms of office.

A seat won in an election is held from the day the election closes for the
term the co-op's rules give (a profile's ``board_term_years``, when a co-op
writes one), else for ``DEFAULT_TERM_YEARS``: three years, the usual term in
the model rules of UK societies and Italian and Québec co-operatives, and the
longest the Somerset Rules allow before re-election.
"""

import datetime as dt

from node.rules import RulesProfile

DEFAULT_TERM_YEARS = 3


def term_years(profile: RulesProfile) -> int:
    years = getattr(profile, "board_term_years", None)
    return years if isinstance(years, int) and years > 0 else DEFAULT_TERM_YEARS


def term_end(starts_on: dt.date, years: int) -> dt.date:
    """The last day of a term: the day before its anniversary (29 February
    starts a term that ends on 27 February, the day before the 28th)."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + years)
    except ValueError:  # 29 February in a year that has none
        anniversary = dt.date(starts_on.year + years, 2, 28)
    return anniversary - dt.timedelta(days=1)
