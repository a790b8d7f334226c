"""Pages show "erased", in the reader's language, wherever a field of an erased
person would be (node.sealing reads it as ``ERASED``): their name in a list, on
a record, in a letter."""

from typing import Any

import jinja2
from markupsafe import Markup

from node.sealing import ERASED
from toolkit.web.i18n import N_

ERASED_WORD = N_("erased")


@jinja2.pass_context
def erased_as_word(context: jinja2.runtime.Context, value: Any) -> Any:
    """Jinja's ``finalize``: every ``{{ value }}`` that is an erased field."""
    if isinstance(value, str) and value == ERASED:
        return Markup(context.call(context.resolve("gettext"), ERASED_WORD))
    return value
