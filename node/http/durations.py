"""Time-bank durations as people read them: "1 h 30 min", not 90 or "1h30".

The one place minutes become words, registered as the templates' ``duration``
filter, so a language's way of writing them changes here only.
"""


def duration(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return f"{sign}{rest} min"
    if not rest:
        return f"{sign}{hours} h"
    return f"{sign}{hours} h {rest} min"
