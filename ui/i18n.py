"""Screen languages: English in the source, other languages from the kiosk's one gettext catalogue.

Widgets call :func:`t` for every visible string and rebuild their texts in ``retranslate()`` when
:func:`set_language` switches, so the language changes without a restart. The catalogue is the
one the domain code uses too (:mod:`kiosk.i18n`, ``kiosk/locale/``); ``scripts/translations.py``
extracts every ``t("...")`` and ``N_("...")`` string into it.

Qt learns of a switch through a :class:`QTranslator` whose ``translate()`` asks the catalogue:
installing or removing it sends every widget a ``LanguageChange`` event (Qt posts it).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QTranslator

from kiosk.i18n import LANGUAGES, Message, gettext_for, render, translations

__all__ = ["LANGUAGES", "current_language", "render_current", "set_language", "t"]

_current = "en"


class CatalogueTranslator(QTranslator):
    """Qt's view of the kiosk catalogue for one language."""

    def __init__(self, lang: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lang = lang

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        text = gettext_for(self.lang, source)
        return "" if text == source else text  # "" tells Qt to try the next translator

    def isEmpty(self) -> bool:
        return False

    def language(self) -> str:
        return self.lang


_translator: CatalogueTranslator | None = None


def t(text: str) -> str:
    """The current language's version of an English screen string (a literal, for the extractor)."""
    return gettext_for(_current, text)


def render_current(words: Message | str) -> str:
    """A domain message (or catalogue string) in the current screen language."""
    return render(words, _current)


def current_language() -> str:
    """The screen language now in use ("en" or "zh_CN")."""
    return _current


def set_language(lang: str) -> bool:
    """Switch the screens to ``lang``; every widget gets a LanguageChange event. False if unknown."""
    global _translator, _current
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before choosing a language")
    if lang not in LANGUAGES:
        return False
    if lang != "en":
        try:
            translations(lang)
        except OSError:  # no compiled catalogue: stay in the language already shown
            return False
    if _translator is not None:
        app.removeTranslator(_translator)
        _translator = None
    _current = lang
    if lang != "en":
        _translator = CatalogueTranslator(lang, app)
        app.installTranslator(_translator)
    return True

