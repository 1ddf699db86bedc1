"""The pin check every run makes before its first image: hashing a weight file against the remembered hash.

    PYTHONPATH=. python benchmarks/bench_store.py [--mib 512]

A pinned entry of ``--mib`` MiB of random bytes in a temporary ``DIVGENBENCH_HOME``; ``store.resolve`` is timed
in fresh processes (as each eval, resume or launcher rank is): the first reads and hashes the file, later ones
find its (size, mtime, inode) in the hash memo. Baseline: the first check, in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys, time
from divgenbench import store
weight = store.WeightFile("bench-weights", "someone/bench", "weights.bin", "0" * 40, sys.argv[1])
store.register_weight(weight)
started = time.perf_counter()
store.resolve(weight.entry)
print(time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "weights" / "bench-weights" / "weights.bin"
        path.parent.mkdir(parents=True)
        digest = hashlib.sha256()
        with open(path, "wb") as out:
            for _ in range(args.mib):
                block = os.urandom(1 << 20)
                digest.update(block)
                out.write(block)
        an_hour_ago = time.time_ns() - 3600 * 10**9  # older than the memo's "racy" window
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
        env = {**os.environ, "DIVGENBENCH_HOME": home}

        def check() -> float:
            done = subprocess.run([sys.executable, "-c", CHILD, digest.hexdigest()], env=env, capture_output=True,
                                  text=True, check=True)
            return float(done.stdout.strip())

        first = check()
        later = [check() for _ in range(args.repeats)]
    print(f"pin check of a {args.mib} MiB weight file, each in a fresh process (file in the page cache)")
    print(f"{'check':28} {'seconds':>9} {'× first':>8}")
    print(f"{'first (reads and hashes)':28} {first:9.3f} {1.0:8.2f}")
    best = min(later)
    print(f"{'later (hash memo), best of ' + str(args.repeats):28} {best:9.4f} {best / first:8.4f}")


if __name__ == "__main__":
    main()
