"""Typed ``--model-args``: each adapter (and guidance method) declares a pydantic model; strings parse into it.

Unknown keys, values of the wrong type, NaN or infinite numbers and values out of range become one
``ConfigError`` naming the key, the value given and what is valid — before any model loads or image is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class ModelArgs(BaseModel):
    """Base of every adapter's args model: unknown keys and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


def accepted(model: type[BaseModel]) -> str:
    """``key (type, default …)`` for each field: the 'what is valid' part of an error."""
    parts = []
    for key, field in model.model_fields.items():
        kind = getattr(field.annotation, "__name__", str(field.annotation).replace("typing.", ""))
        default = "" if field.is_required() else f", default {field.default!r}"
        parts.append(f"{key} ({kind}{default})")
    return ", ".join(parts) or "none"


def parse_args(model: type[M], values: Mapping[str, Any], owner: str) -> M:
    """``model`` built from ``values``; the first problem as a ConfigError (key, value, what is valid)."""
    try:
        return model(**dict(values))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"]) or "?"
        value = values.get(key, error.get("input"))
        if error["type"] == "extra_forbidden":
            raise ConfigError(f"{owner} does not take --model-args {key}={value}",
                              f"it takes: {accepted(model)}") from None
        raise ConfigError(f"{owner}: --model-args {key}={value} is not valid ({error['msg']})",
                          f"it takes: {accepted(model)}") from None
