"""A message shown through the templates' gettext is text, never markup: what
someone typed inside an error message cannot inject HTML."""

from toolkit.web.pages import environment


def test_a_translated_message_is_escaped_and_so_are_its_parameters() -> None:
    env = environment("node.http")
    page = env.from_string(
        '{{ _(message) }}|{{ _("Hello %(name)s", name=name) }}|'
        '{{ ngettext("%(num)s visit", "%(num)s visits", 2) }}'
    )
    shown = page.render(message="<script>x()</script> is not a reason", name="<b>")
    assert shown == (
        "&lt;script&gt;x()&lt;/script&gt; is not a reason|Hello &lt;b&gt;|2 visits"
    )
