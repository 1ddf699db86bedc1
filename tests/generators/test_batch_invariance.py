"""Each image depends only on its own seed: byte-identical PNGs at batch sizes 1 and 4."""

from __future__ import annotations

from gen_helpers import image_hashes

from divgenbench.generators import GENERATORS, GenerationSettings
from divgenbench.generators.runner import Shard, collect_samples, generate_images, plan_requests
from divgenbench.prompts import load_prompts
from divgenbench.protocol import get_protocol
from divgenbench.rundir import RunDir


def test_tiny_flux_png_bytes_do_not_depend_on_batch_size(tmp_path):
    requests = plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), limit=1)
    hashes = {}
    for batch_size in (1, 4):
        run = RunDir(tmp_path / f"b{batch_size}")
        run.prepare()
        generator = GENERATORS.get("tiny-flux")(GenerationSettings(batch_size=batch_size))
        generator.load()
        assert generate_images(generator, requests, run, batch_size) == len(requests)
        found, missing = collect_samples(run, requests)
        assert not missing and len(found) == len(requests) == 7
        hashes[batch_size] = image_hashes(run.root)
    assert hashes[1] == hashes[4]
    assert len(set(hashes[1].values())) == len(requests)  # distinct seeds give distinct images


def test_shards_partition_the_plan_round_robin():
    requests = plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), limit=3)
    shares = [Shard(i, 4).select(requests) for i in range(4)]
    assert sorted((r.prompt_id, r.k) for s in shares for r in s) == sorted((r.prompt_id, r.k) for r in requests)
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    # rank 1 of 2 inside array task 1 of 3 is share 4 of 6
    assert Shard(1, 2).within(Shard(1, 3)) == Shard(4, 6)
    assert Shard.parse(" 2 / 5 ") == Shard(2, 5)
