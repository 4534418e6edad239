"""PyTorch CPU scaled_dot_product_attention, timed exactly as dattn_bench_cpu times dattn.

Method: random N(0, 1) inputs [B, H, S, D], 2 untimed warm-up calls, then --runs (default 9)
timed calls with time.perf_counter; the median is reported, GFLOPS = 4*B*H*S*S*D / median.
Threads: torch.set_num_threads(--threads), the same count as OMP_NUM_THREADS for dattn.
Prints one JSON line per (shape, dtype), in dattn_bench_cpu's format.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

SHAPES = [(1, 24, 1024, 128), (1, 8, 4096, 64)]
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--dtype", action="append", choices=sorted(DTYPES))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    runs = max(7, args.runs)
    gen = torch.Generator().manual_seed(42)
    for b, h, s, d in SHAPES:
        for name in args.dtype or ["f32", "bf16"]:
            q, k, v = (torch.randn(b, h, s, d, generator=gen).to(DTYPES[name]) for _ in range(3))
            with torch.inference_mode():
                for _ in range(2):
                    F.scaled_dot_product_attention(q, k, v)
                times = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    F.scaled_dot_product_attention(q, k, v)
                    times.append(time.perf_counter() - t0)
            median = statistics.median(times)
            print(json.dumps({
                "impl": "torch sdpa", "shape": [b, h, s, d], "dtype": name,
                "threads": torch.get_num_threads(), "median_s": round(median, 6),
                "gflops": round(4 * b * h * s * s * d / median * 1e-9, 1), "runs": runs,
            }), flush=True)


if __name__ == "__main__":
    main()
