"""Every guidance method resumes and shards like any other generator (issue 17 "Done when"): a guided run made
as two shards, each re-run once (resume: nothing left to write), gives the same PNG bytes as one whole run at
another batch size."""

from __future__ import annotations

import hashlib

import pytest
from guidance_kit import guided

from divgenbench.generators.runner import Shard, collect_samples, generate_images, plan_requests
from divgenbench.prompts import load_prompts
from divgenbench.protocol import get_protocol
from divgenbench.rundir import RunDir

METHODS = [("aig", [1], {}), ("contrastive-guidance", [1, 2], {"strength": 0.5}), ("lora-scale", [1], {})]


def png_hashes(run: RunDir) -> dict[str, str]:
    return {str(p.relative_to(run.root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(run.root.rglob("*.png"))}


@pytest.mark.slow
@pytest.mark.parametrize(("method", "others", "args"), METHODS, ids=[m for m, _, _ in METHODS])
def test_guided_run_resumes_and_shards_to_the_same_bytes(tmp_path, method, others, args):
    requests = plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), limit=1)
    whole = RunDir(tmp_path / "whole")
    whole.prepare()
    assert generate_images(guided(method, 0, others, **args), requests, whole, 4) == len(requests)

    sharded = RunDir(tmp_path / "sharded")
    sharded.prepare()
    for index in range(2):
        share = Shard(index, 2).select(requests)
        assert generate_images(guided(method, 0, others, **args), share, sharded, 2) == len(share)
        assert generate_images(guided(method, 0, others, **args), share, sharded, 2) == 0  # resumed: all there
    found, missing = collect_samples(sharded, requests)
    assert not missing and len(found) == len(requests)
    assert png_hashes(sharded) == png_hashes(whole) and len(set(png_hashes(whole).values())) == len(requests)
