"""Conformance kit for generators: every adapter's test calls ``check_generator`` (issue 11 item 9).

What the runner relies on: construction is cheap and checks the typed args (an unknown key is one
ConfigError), one output per request in order, each image a function of its own request only (the same at
batch size 1 and N), a JSON-able ``describe()`` naming adapter and settings, and registration in a fresh
process.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable, Sequence

import pytest

from divgenbench.errors import ConfigError
from divgenbench.generators.base import EncodedImage, Generator, ImageRequest, Unavailable
from divgenbench.generators.runner import encode_png
from divgenbench.prompts import load_prompts
from divgenbench.protocol import get_protocol
from divgenbench.generators.runner import plan_requests


def kit_requests(limit: int = 1) -> list[ImageRequest]:
    return plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), limit=limit)[:4]


def _bytes(output) -> bytes | str:
    if isinstance(output, Unavailable):
        return f"unavailable:{output.reason}"
    if isinstance(output, EncodedImage):
        return output.data
    buffer = io.BytesIO(encode_png(output))
    return buffer.getvalue()


def check_args(cls: type[Generator], make: Callable[..., Generator]) -> None:
    with pytest.raises(ConfigError, match="does not take --model-args no_such_arg"):
        make(no_such_arg="1")
    assert set(cls.Args.model_fields) >= set(make().resolved_args())


def check_outputs_and_batch_invariance(make: Callable[..., Generator], requests: Sequence[ImageRequest]) -> None:
    together = make().generate(requests)
    assert len(together) == len(requests)
    one = make()
    alone = [one.generate([request])[0] for request in requests]
    assert [_bytes(o) for o in together] == [_bytes(o) for o in alone]


def check_describe(make: Callable[..., Generator]) -> None:
    described = make().describe()
    json.dumps(described)
    assert described["adapter"] and "settings" in described and described["name"]


def check_registered_in_fresh_process(name: str) -> None:
    code = ("from divgenbench.generators import GENERATORS\nfrom divgenbench.generators.base import Generator\n"
            f"cls = GENERATORS.get({name!r})\nassert issubclass(cls, Generator) and cls.name == {name!r}\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def check_generator(cls: type[Generator], make: Callable[..., Generator],
                    requests: Sequence[ImageRequest] | None = None) -> None:
    """``make(**extra_args)`` builds the generator under test with its required args plus ``extra_args``."""
    check_args(cls, make)
    check_outputs_and_batch_invariance(make, requests or kit_requests())
    check_describe(make)
    check_registered_in_fresh_process(cls.name)
