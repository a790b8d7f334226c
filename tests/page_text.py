"""What a person reads on a page the node served: its text without the tags,
which must never show an id, and the problem shown beside a form's field."""

import re

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TAGS = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    """What a person reads: the page without its tags and their attributes."""
    return TAGS.sub(" ", page)


def error_beside(page: str, field_id: str) -> str:
    """The error shown beside a field: the field is marked invalid and points
    to it, and it names no id."""
    field = re.search(
        rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', page
    )
    assert field, f"no field {field_id}"
    assert 'aria-invalid="true"' in field.group(0), field.group(0)
    assert f"{field_id}-error" in field.group(0)
    found = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', page)
    assert found, f"no error beside {field_id}"
    assert not UUID_TEXT.search(found.group(1)), found.group(1)
    return found.group(1)
