"""``commonweal translations update|check``: the catalogs in step with the code.

Every string the node's pages show is extracted from the templates of toolkit and
node (``_()``, ``gettext()``, ``ngettext()``) and from their Python (``N_()``);
``update`` adds new ones to each language's catalog
(``toolkit/locales/<lang>/LC_MESSAGES/messages.po``, empty to be translated, or
marked fuzzy where an old translation looks close) and drops those gone;
``check`` names every string a catalog lacks, leaves empty, or has only as a
fuzzy guess. The federation's dashboard is in English and is not extracted.
"""

import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

import node
import toolkit
from toolkit.web.i18n import DEFAULT_LANGUAGE, LANGUAGES

# Where strings are found (babel.cfg says the same, for pybabel).
PACKAGES = (toolkit, node)
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
}
TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def _package_dir(package: object) -> Path:
    return Path(str(resources.files(package.__name__)))  # type: ignore[attr-defined]


def extract() -> Catalog:
    """Every message the pages may show, with where it is written."""
    template = Catalog(project="commonweal", fuzzy=False)
    for package in PACKAGES:
        root = _package_dir(package)
        found = extract_from_dir(
            root,
            METHODS,
            keywords=KEYWORDS,
            options_map=OPTIONS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        for filename, line, message, comments, context in found:
            where = f"{root.name}/{filename}"
            template.add(
                message,
                None,
                [(where, line)],
                auto_comments=comments,
                context=context,
            )
    return template


def catalog_path(language: str) -> Path:
    return _package_dir(toolkit) / "locales" / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    path = catalog_path(language)
    if not path.exists():
        return Catalog(locale=language, project="commonweal", fuzzy=False)
    with path.open("rb") as file:
        return read_po(file, locale=language)


def write(language: str, catalog: Catalog) -> None:
    path = catalog_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    write_po(out, catalog, width=88, sort_output=True, ignore_obsolete=True)
    path.write_bytes(out.getvalue())


def update() -> dict[str, int]:
    """Bring every catalog in step with the code; how many strings each lacks."""
    template = extract()
    untranslated: dict[str, int] = {}
    for language in TRANSLATED:
        catalog = read(language)
        catalog.update(template, update_creation_date=False)
        write(language, catalog)
        untranslated[language] = len(list(problems(catalog, template)))
    return untranslated


def problems(catalog: Catalog, template: Catalog) -> Iterator[str]:
    """What is wrong with ``catalog`` against the code's messages, one line each."""
    for wanted in template:
        if not wanted.id:
            continue
        msgid = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
        found = catalog.get(wanted.id, context=wanted.context)
        if found is None:
            yield f"missing: {msgid!r}"
        elif found.fuzzy:
            yield f"fuzzy: {msgid!r}"
        elif not found.string or (
            not isinstance(found.string, str) and not all(found.string)
        ):
            yield f"empty: {msgid!r}"


def check() -> dict[str, list[str]]:
    """Each language's problems (none when every message is translated)."""
    template = extract()
    return {
        language: list(problems(read(language), template)) for language in TRANSLATED
    }
