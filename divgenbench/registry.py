"""One small registry type for every plug-in kind (generators, extractors, scores, ...).

Entries are lazy ``"module:attr"`` strings so that listing (``divgenbench models ls``) never imports
torch, diffusers or onnxruntime. Names are future file names and JSON keys, so they must be lowercase
kebab-case. Other packages add entries through the entry-point group ``divgenbench.<kind>``.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")

NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


def check_plugin_name(name: str) -> str:
    """Refuse names that are unsafe as file names, cache keys or HTML anchors."""
    if not NAME_PATTERN.match(name):
        raise ConfigError(
            f"plug-in name {name!r} is not lowercase kebab-case",
            "use letters, digits and single '-' or '.' separators, e.g. 'flux-d2align'",
        )
    return name


@dataclass
class Registry(Generic[T]):
    """Maps names to plug-ins of one kind; loads each on first use and checks its base class."""

    kind: str
    base: type | None = None
    _targets: dict[str, str | Any] = field(default_factory=dict)
    _loaded: dict[str, Any] = field(default_factory=dict)
    _entry_points_read: bool = False

    @property
    def entry_point_group(self) -> str:
        return f"divgenbench.{self.kind}"

    def register(self, name: str, target: str | Any) -> None:
        """Add ``name`` → ``"module:attr"`` (lazy) or an object; a name lives in one place only."""
        check_plugin_name(name)
        if name in self._targets and self._targets[name] != target:
            raise ConfigError(f"{self.kind} {name!r} is registered twice", "rename one of the plug-ins")
        self._targets[name] = target

    def _read_entry_points(self) -> None:
        if self._entry_points_read:
            return
        self._entry_points_read = True
        for ep in entry_points(group=self.entry_point_group):
            if ep.name not in self._targets:
                self.register(ep.name, ep.value)

    def names(self) -> list[str]:
        self._read_entry_points()
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        self._read_entry_points()
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def target(self, name: str) -> str | Any:
        """The unloaded target (``"module:attr"``), for listings that must not import back-ends."""
        self._read_entry_points()
        if name not in self._targets:
            close = difflib.get_close_matches(name, self._targets, n=3)
            hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ConfigError(
                f"unknown {self.kind[:-1] if self.kind.endswith('s') else self.kind} {name!r}",
                f"{hint + ' ' if hint else ''}choose one of: {', '.join(self.names())}",
            )
        return self._targets[name]

    def get(self, name: str) -> T:
        """Import (once) and return the plug-in registered as ``name``."""
        if name in self._loaded:
            return self._loaded[name]
        target = self.target(name)
        if isinstance(target, str):
            module_name, _, attr = target.partition(":")
            obj: Any = importlib.import_module(module_name)
            for part in attr.split(".") if attr else []:
                obj = getattr(obj, part)
        else:
            obj = target
        if self.base is not None and isinstance(obj, type) and not issubclass(obj, self.base):
            raise ConfigError(
                f"{self.kind} plug-in {name!r} ({target}) is not a subclass of {self.base.__name__}",
                "fix the plug-in's entry point",
            )
        self._loaded[name] = obj
        return obj
