"""The one jinja2 environment for every page we render (report, leaderboard): autoescape always on.

Every string that can come from a run or a submission (model names, args, prompt text, notes) reaches
the page through ``{{ … }}`` and is escaped; nothing is marked ``|safe``. Pages are self-contained:
CSS and the small sort script are inlined from ``_base.html.j2``; images are data URIs.
"""

from __future__ import annotations

import base64
import math
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIRS = (Path(__file__).with_name("templates"), Path(__file__).parents[1] / "leaderboard" / "templates")


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def number(value: float | None, digits: int = 3) -> str:
    """Fixed digits, or an em dash for a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS]), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=number, percent=percent)
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
