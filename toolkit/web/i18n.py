"""Languages: strings people read are marked for translation where they are
written and translated where they are shown.

In templates: ``{{ _("Give hours") }}`` or ``{{ _("%(n)s hours", n=...) }}``.
In Python, a message a page will show is marked with ``N_`` (it stays English
in the code; the template translates it with ``_(message)``).
"""


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message
