"""The HTML pages (review, report) are Jinja2 templates in nscl_extract/pages/templates/ with
autoescaping on: every value is escaped unless it is Markup built here from escaped parts."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
