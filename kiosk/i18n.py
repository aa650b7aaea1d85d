"""The kiosk's one translation catalogue, for every layer: domain messages, receipts, screens.

English source strings are the message ids. Domain code never picks a language: it returns a
:class:`Message` (an English template and its parameters) and the layer that shows or prints it
calls :func:`render` with the reader's language. Strings are marked with :func:`N_` so that
``scripts/translations.py`` (Babel's extractor) finds them; the Simplified Chinese catalogue is
``kiosk/locale/zh_CN/LC_MESSAGES/kiosk.po``, compiled to the ``.mo`` next to it.

Templates use ``str.format`` placeholders (``"Printer: {state}"``), never f-strings, so the text
the extractor sees is the text looked up at run time.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).with_name("locale")
#: Languages the kiosk speaks, with their names in their own words.
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it (it is translated where it is shown)."""
    return text


@dataclass(frozen=True, slots=True)
class Message:
    """Words for a person, not yet in a language: an English template and the values for its holes.

    A parameter may itself be a :class:`Message`; it is rendered in the same language.
    """

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        """This message in ``lang`` (see :func:`render`)."""
        return render(self, lang)


def message(template: str, **params: Any) -> Message:
    """A :class:`Message`; ``template`` must be marked with :func:`N_` (or be a literal the extractor sees)."""
    return Message(template, params)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang``; English (and an unknown language) is the source text."""
    if lang == "en" or lang not in LANGUAGES:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])


def gettext_for(lang: str, text: str) -> str:
    """``text`` in ``lang``, or ``text`` itself when the catalogue has no translation."""
    return translations(lang).gettext(text) if text else text


def render(value: Message | str, lang: str = "en") -> str:
    """A message (or a plain catalogue string) in ``lang``, every placeholder filled."""
    if isinstance(value, str):
        return gettext_for(lang, value)
    params = {key: (render(v, lang) if isinstance(v, Message) else v) for key, v in value.params.items()}
    return gettext_for(lang, value.id).format(**params)
