"""The HTML pages (review, report) are Jinja2 templates in nscl_extract/pages/templates/ with
autoescaping on: every value is escaped unless it is Markup built here from escaped parts.

Their words are one message table, pages/messages.yml, in Vietnamese (the default) and English;
`render(..., lang=)` gives the template `t` (the messages of that language) and sets <html lang>."""
from __future__ import annotations

import string
import unicodedata
from functools import lru_cache
from pathlib import Path

import jinja2

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


@lru_cache(maxsize=1)
def message_table() -> dict[str, dict[str, str]]:
    """key -> {"vi": ..., "en": ...}, NFC; a key missing a language is an error at load time."""
    import yaml

    with open(Path(__file__).with_name("messages.yml"), encoding="utf-8") as f:
        data = yaml.safe_load(f)["messages"]
    table = {}
    for key, entry in data.items():
        missing = [lang for lang in LANGS if not isinstance(entry.get(lang), str)]
        if missing:
            raise ValueError(f"pages/messages.yml: {key} has no {', '.join(missing)} text")
        table[key] = {lang: unicodedata.normalize("NFC", entry[lang]) for lang in LANGS}
    return table


def placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


class Messages:
    """t("key", name=value): the message in one language, its {name} placeholders filled."""

    def __init__(self, lang: str = DEFAULT_LANG):
        if lang not in LANGS:
            raise ValueError(f"unknown page language {lang!r} (one of {', '.join(LANGS)})")
        self.lang = lang
        self.table = message_table()

    def __call__(self, key: str, **values) -> str:
        return self.table[key][self.lang].format(**values)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def render(name: str, lang: str = DEFAULT_LANG, **context) -> str:
    return environment().get_template(name).render(lang=lang, t=Messages(lang), **context)
