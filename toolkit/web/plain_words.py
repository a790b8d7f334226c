"""msgspec's validation messages in words people read: "must be at least 1", not
"Expected `int` >= 1"; never a regular expression. The field is named apart
(``ErrorDetail.field``), so these say only what is wrong with it."""

import re

TYPES = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "yes or no",
    "array": "a list",
    "object": "a set of fields",
    "null": "empty",
}
BOUNDS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Expected `str` matching regex .*"), "is not in the expected form"),
    (
        re.compile(r"Expected `str` of length >= 1$"),
        "must not be empty",
    ),
    (
        re.compile(r"Expected `str` of length (?P<op>[<>]=?) (?P<n>\d+)$"),
        "must be {bound} {n} characters long",
    ),
    (
        re.compile(r"Expected `(?:int|float)` (?P<op>[<>]=?) (?P<n>\S+)$"),
        "must be {bound} {n}",
    ),
    (
        re.compile(r"Expected `array` of length (?P<op>[<>]=?) (?P<n>\d+)$"),
        "must hold {bound} {n} items",
    ),
    (re.compile(r"Expected `(?P<want>\w+)`, got `\w+`$"), "must be {want}"),
    (re.compile(r"Object missing required field `[^`]+`$"), "is required"),
    (re.compile(r"Object contains unknown field `[^`]+`$"), "is not a field here"),
    (
        re.compile(r"Invalid enum value (?P<value>.+)$"),
        "{value} is not one of the choices",
    ),
    (re.compile(r"Invalid UUID$"), "is not a valid id"),
    (
        re.compile(r"Invalid RFC3339 encoded datetime$"),
        "must be a date and time, like 2026-11-30T14:00:00+00:00",
    ),
    (re.compile(r"Invalid RFC3339 encoded date$"), "must be a date, like 2026-11-30"),
)
# Fields whose form people know better by an example than by a rule.
EXAMPLES = {"email": "must be an email address, like name@example.org"}


def plain_words(message: str, field: str | None) -> str:
    """What is wrong with ``field``, from msgspec's ``message`` (its path cut)."""
    last = (field or "").rsplit(".", 1)[-1]
    for pattern, words in PATTERNS:
        found = pattern.match(message)
        if found is None:
            continue
        if last in EXAMPLES and "form" in words:
            return EXAMPLES[last]
        parts = found.groupdict()
        return words.format(
            bound=BOUNDS.get(parts.get("op") or "", ""),
            n=parts.get("n", ""),
            want=TYPES.get(parts.get("want") or "", parts.get("want") or ""),
            value=parts.get("value", ""),
        )
    return message
