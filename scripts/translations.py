"""Refresh or check the kiosk's translation catalogue (kiosk/locale/).

    .venv/bin/python scripts/translations.py          # extract kiosk.pot, update each .po, compile each .mo
    .venv/bin/python scripts/translations.py --check  # exit 1 if any of them is stale or a string is untranslated

Babel extracts every string marked with t() (screens), N_() (domain code and tables) or the
gettext functions from kiosk/, ui/, hardware/, offline_queue/ and platform_link/. The .pot carries no
source locations, so moving code around does not make the catalogue stale; adding, changing or removing
a marked string does. Translations are never guessed: a new or changed English string stays empty in
each .po until someone writes it, and --check names it.
"""

from __future__ import annotations

import ast
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kiosk" / "locale"
POT = LOCALE / "kiosk.pot"
LANGS = ("zh_CN",)
SOURCES = ("kiosk", "ui", "hardware", "offline_queue", "platform_link")
KEYWORDS = {"t": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
# A fixed date: the files change only when their strings do.
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "kiosk.po"


def extract() -> Catalog:
    """Every marked string of the kiosk's code, sorted, without locations."""
    catalog = Catalog(project="o2o-kiosk", version="1", creation_date=STAMP, revision_date=STAMP,
                      charset="utf-8", fuzzy=False)
    for folder in SOURCES:
        for _file, _line, text, comments, context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("i18n:",)):
            catalog.add(text, None, auto_comments=comments, context=context)
        for text in strings_inside_fstrings(ROOT / folder):
            if text not in catalog:
                catalog.add(text, None)
    return catalog


def strings_inside_fstrings(folder: Path) -> list[str]:
    """``t("…")`` and ``N_("…")`` calls written inside an f-string: Babel's extractor reads an
    f-string as one token and never sees them, so they would stay English on screen."""
    found: list[str] = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ("t", "N_")
                        and call.args and isinstance(call.args[0], ast.Constant)
                        and isinstance(call.args[0].value, str)):
                    found.append(call.args[0].value)
    return found


def po_bytes(catalog: Catalog, **options: bool) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=True, ignore_obsolete=True,
             include_lineno=False, **options)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def updated(lang: str, template: Catalog) -> Catalog:
    """The language's catalogue with exactly the template's ids (translations kept, none guessed)."""
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
    else:
        catalog = Catalog(locale=lang, project="o2o-kiosk", version="1", creation_date=STAMP)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.creation_date = catalog.revision_date = STAMP
    catalog.fuzzy = False
    catalog.last_translator = catalog.language_team = "o2o-kiosk"
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]


def main() -> int:
    template = extract()
    files: dict[Path, bytes] = {POT: po_bytes(template)}
    problems: list[str] = []
    for lang in LANGS:
        catalog = updated(lang, template)
        files[po_path(lang)] = po_bytes(catalog)
        files[po_path(lang).with_suffix(".mo")] = mo_bytes(catalog)
        problems += [f"{lang}: no translation for {text!r}" for text in untranslated(catalog)]
    if "--check" in sys.argv:
        stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        for path in stale:
            problems.append(f"{path.relative_to(ROOT)} is stale")
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print("Refresh with: .venv/bin/python scripts/translations.py, then translate the empty entries "
                  "in kiosk/locale/*/LC_MESSAGES/kiosk.po and run it again.", file=sys.stderr)
            return 1
        return 0
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"{len(template)} strings; {len(problems)} without a translation")
    for problem in problems:
        print("  " + problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
