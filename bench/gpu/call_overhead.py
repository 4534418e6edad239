#!/usr/bin/env python3
"""What a Python call costs beyond its kernels: dattn against PyTorch SDPA-cuDNN, three ways.

compare.py times one call between two CUDA events after an L2 flush, as a user's single call
runs. Where that differs from the C++ timing tools, this says why, per backend and shape:
  * single: compare.py's method (256 MiB memset, then one call between events).
  * chained: 20 calls back to back between two events, no flush: the GPU time per call once
    the host runs ahead (what a model's forward pass sees when its host is not the bound).
  * host: wall-clock time per call of 200 back-to-back calls of a tiny problem (1, 1, 128, D),
    synchronized once at the end: the host cost of a call, Python to kernel launch.
   python3 bench/gpu/call_overhead.py [--shapes B,H,S,D ...]
"""
import argparse
import statistics
import time

import torch

import dattn
from dattn import _arrays, _dattn  # the package's two layers, timed apart below
from compare import make_runner, time_ms  # compare.py's backends and single-call method

SHAPES = [(1, 24, 4608, 128), (2, 38, 4429, 64), (4, 32, 1024, 128), (4, 32, 8192, 128)]


def chained_ms(run, calls):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(calls):
        run()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", nargs="+", type=lambda s: tuple(map(int, s.split(","))), default=SHAPES)
    args = parser.parse_args()
    names = ["dattn_fa", "dattn_sage_fp8", "torch_cudnn"]
    flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    print(f"{torch.cuda.get_device_name()}; torch {torch.__version__}; dattn {dattn.__version__}")
    print(f"{'shape':<22} {'backend':<15} {'single ms':>10} {'chained ms':>11} {'single-chained us':>18}")
    for b, h, s, d in args.shapes:
        q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        for name in names:
            run = make_runner(name, q, k, v)
            single, _ = time_ms(run, 3, 15, flush)
            chained = statistics.median(chained_ms(run, 20) for _ in range(5))
            print(f"{str((b, h, s, d)):<22} {name:<15} {single:10.3f} {chained:11.3f} {(single - chained) * 1e3:18.1f}")
        del q, k, v
    for d in (128, 64):
        q, k, v = (torch.randn(1, 1, 128, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        for name in names:
            run = make_runner(name, q, k, v)
            for _ in range(10):
                run()
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            for _ in range(200):
                run()
            host = (time.perf_counter() - t0) / 200
            torch.cuda.synchronize()
            print(f"host per call, (1,1,128,{d}) {name:<15} {host * 1e6:8.1f} us")
        # dattn's share: the Python adapter (outputs, stream) and the binding call alone.
        t0 = time.perf_counter()
        for _ in range(200):
            p = _arrays.prepare(q, k, v, None, "HND", False)
        prepare = (time.perf_counter() - t0) / 200
        t0 = time.perf_counter()
        for _ in range(200):
            _dattn.attention(p.q, p.k, p.v, p.out_view, None, "HND", False, None, "fa", True, None,
                             p.stream, False)
        binding = (time.perf_counter() - t0) / 200
        torch.cuda.synchronize()
        print(f"host per call, (1,1,128,{d}) dattn_fa: prepare {prepare * 1e6:.1f} us, binding {binding * 1e6:.1f} us")


if __name__ == "__main__":
    main()
