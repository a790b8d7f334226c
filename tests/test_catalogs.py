"""Every string a page shows is in the Italian and French catalogs, translated
and not a fuzzy guess; the catalogs ship in the package; the locale filters
write what each language expects."""

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from commonweal import translations
from toolkit.web.i18n import negotiate, template_gettext
from toolkit.web.i18n import translations as catalog_of
from toolkit.web.pages import environment

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_string_is_translated_in_italian_and_french() -> None:
    problems = translations.check()
    assert set(problems) == {"it", "fr"}
    for language, found in problems.items():
        assert not found, f"{language} catalog: " + "; ".join(found)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("language", ["it", "fr"])
def test_every_translation_keeps_the_placeholders_of_its_message(
    language: str,
) -> None:
    """Each form of each translation names the same %(name)s as the English (a
    plural's forms as its plural), so nothing is lost or fails to format."""
    path = ROOT / "toolkit" / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        english = set(PLACEHOLDER.findall(" ".join(ids)))
        for form in forms:
            named = set(PLACEHOLDER.findall(form))
            split = len(ids) > 1 and len(form) < 3  # a plural cut into characters
            if named - english or (len(ids) == 1 and named != english) or split:
                wrong.append((ids[0], form))
    assert wrong == []


def test_extraction_finds_templates_and_python_messages() -> None:
    found = {m.id for m in translations.extract() if m.id}
    # A template string, a template string with a parameter, a label marked N_
    # in Python and an error page's heading.
    assert "Sign in" in found
    assert "Hello, %(name)s" in found
    assert "Service user" in found and "Personal care" in found
    assert "Page not found" in found


def test_the_check_names_missing_empty_and_fuzzy_strings() -> None:
    template = Catalog()
    for message in ("Sign in", "Sign out", "Save", "Vote"):
        template.add(message)
    catalog = Catalog(locale="it")
    catalog.add("Sign in", "Accedi")
    catalog.add("Sign out", "")
    catalog.add("Save", "Salva", flags=["fuzzy"])
    assert sorted(translations.problems(catalog, template)) == [
        "empty: 'Sign out'",
        "fuzzy: 'Save'",
        "missing: 'Vote'",
    ]


def messages(catalog: Catalog) -> dict[object, object]:
    return {m.id: m.string for m in catalog if m.id}


def test_the_cli_check_passes_and_update_changes_nothing(tmp_path: Path) -> None:
    before = {
        language: translations.catalog_path(language).read_text()
        for language in translations.TRANSLATED
    }
    try:
        run = subprocess.run(
            [sys.executable, "-m", "commonweal", "translations", "update"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "0 string(s) to translate" in run.stdout
        for language in before:
            # The same messages and translations (the header names Babel's
            # version, which may differ).
            assert messages(translations.read(language)) == messages(
                read_po(io.StringIO(before[language]), locale=language)
            )
    finally:
        for language, text in before.items():
            translations.catalog_path(language).write_text(text)
    check = subprocess.run(
        [sys.executable, "-m", "commonweal", "translations", "check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_fuzzy_translations_are_never_shown() -> None:
    # toolkit.web.i18n compiles without fuzzy entries: what is shown is what
    # the check passed.
    italian = catalog_of("it")
    assert italian.gettext("Sign in") == "Accedi"
    assert catalog_of("en").gettext("Sign in") == "Sign in"


def render(source: str, **context: object) -> str:
    env = environment("node.http")
    return env.from_string(source).render(**context)


def test_filters_write_dates_money_and_hours_per_locale() -> None:
    day = dt.date(2026, 3, 2)
    moment = dt.datetime(2026, 3, 2, 13, 5, tzinfo=dt.UTC)
    cases = [
        ({"locale": "it_IT", "currency_code": "EUR", "time_zone": "Europe/Rome"},
         "2 mar 2026|12,50 €|1 h 30 min|2 mar 2026, 14:05|-45 min"),
        ({"locale": "fr_CA", "currency_code": "CAD", "time_zone": "America/Toronto"},
         "2 mars 2026|12,50 $|1 h 30 min|2 mars 2026, 08 h 05|-45 min"),
        ({}, "2 Mar 2026|£12.50|1 h 30 min|2 Mar 2026, 13:05|-45 min"),
    ]  # fmt: skip
    for context, expected in cases:
        shown = render(
            "{{ day|date }}|{{ 1250|money }}|{{ 90|duration }}|"
            "{{ moment|datetime }}|{{ -45|duration }}",
            day=day,
            moment=moment,
            **context,
        )
        # CLDR's no-break spaces and minus signs vary between its versions.
        plain = shown.replace("\u202f", " ").replace("\xa0", " ").replace("\u2212", "-")
        assert plain == expected


def test_gettext_in_templates_escapes_what_it_is_given() -> None:
    shown = render(
        "{{ _(message) }} {{ _('Hello, %(name)s', name=name) }}",
        message="<b>typed</b>",
        name="<i>x</i>",
        **template_gettext(catalog_of("it")),
    )
    assert shown == "&lt;b&gt;typed&lt;/b&gt; Ciao, &lt;i&gt;x&lt;/i&gt;"


def test_accept_language_picks_the_best_language_we_have() -> None:
    assert negotiate("de-DE,fr-CA;q=0.8,it;q=0.9") == "it"
    assert negotiate("fr-CA, en;q=0.1") == "fr"
    assert negotiate("de, it;q=0") == ""
    assert negotiate("") == ""


def test_an_undefined_variable_still_fails_loudly() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("{{ nothing|date }}")


@pytest.mark.slow
def test_a_build_ships_the_catalogs(tmp_path: Path) -> None:
    """What a non-editable install copies (setuptools' build_py, by pyproject's
    package data) holds the catalogs the node reads."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("schemas", "toolkit", "node", "federation", "commonweal"):
        shutil.copytree(
            ROOT / package,
            source / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    built = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()",
         "-q", "build_py", "--build-lib", str(built)],
        cwd=source, check=True, capture_output=True,
    )  # fmt: skip
    for language in translations.TRANSLATED:
        po = built / "toolkit" / "locales" / language / "LC_MESSAGES" / "messages.po"
        assert po.read_bytes() == translations.catalog_path(language).read_bytes()
