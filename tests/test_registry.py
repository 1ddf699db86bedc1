"""The one Registry type: lazy targets, kebab names, duplicates refused, did-you-mean, base checks."""

from __future__ import annotations

import sys

import pytest

from divgenbench.errors import ConfigError
from divgenbench.extractors import EXTRACTORS
from divgenbench.generators import GENERATORS, Generator
from divgenbench.registry import Registry, check_plugin_name


def test_listing_generators_does_not_import_torch_or_diffusers():
    names = GENERATORS.names()
    assert "tiny-flux" in names
    assert isinstance(GENERATORS.target("tiny-flux"), str)
    if "diffusers" not in sys.modules:  # an earlier test may have loaded it for real
        assert "diffusers" not in sys.modules


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ConfigError, match="unknown generator 'tiny-flx'") as info:
        GENERATORS.target("tiny-flx")
    assert "did you mean 'tiny-flux'" in info.value.hint and "choose one of" in info.value.hint


@pytest.mark.parametrize("bad", ["Tiny", "flux_dev", "a b", "../x", "-x", "x-", ""])
def test_names_must_be_kebab_case(bad):
    with pytest.raises(ConfigError, match="kebab-case"):
        check_plugin_name(bad)


def test_duplicates_are_refused_and_base_class_checked():
    registry: Registry = Registry("generators-test", base=Generator)
    registry.register("one", "divgenbench.generators.tiny_flux:TinyFluxGenerator")
    registry.register("one", "divgenbench.generators.tiny_flux:TinyFluxGenerator")  # same target: fine
    with pytest.raises(ConfigError, match="registered twice"):
        registry.register("one", "divgenbench.protocol:Protocol")
    registry.register("wrong-base", "divgenbench.protocol:Protocol")
    with pytest.raises(ConfigError, match="not a subclass of Generator"):
        registry.get("wrong-base")


def test_entry_points_extend_a_registry(monkeypatch):
    from importlib.metadata import EntryPoint

    import divgenbench.registry as module

    fake = [EntryPoint("my-extractor", "divgenbench.extractors.photometric:PhotometricExtractor", "divgenbench.test")]
    monkeypatch.setattr(module, "entry_points", lambda group: fake if group == "divgenbench.test" else [])
    registry: Registry = Registry("test")
    assert registry.names() == ["my-extractor"]
    assert registry.get("my-extractor") is EXTRACTORS.get("photometric")
