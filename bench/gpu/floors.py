#!/usr/bin/env python3
"""How fast sage_attn could be at each workload, against issue 5's targets: lower bounds on its
end-to-end time from this GPU's measured ceilings, beside the measured time and cuDNN's.

sage_attn's time is quantization + attention. Per workload (B, H, S, D), n = B·H·S·D elements:
  * quantization moves 13n bytes as built (the statistics pass reads K and V, the quantizer
    reads Q, K and V and writes 1-byte codes of all three) and 9n bytes at least (each input
    read once, each code written once);
  * attention does 4·B·H·S²·D FLOPs, at best at the kernel's own steady throughput (its
    attention-only time, total minus quantization, at the workload of that head dim where it
    is fastest) or, softmax free, at the fp8 matrix-product peak.
Floors, from highest to lowest:
  as built     quantization as measured + attention at the steady throughput
               (what removing every per-item and tail loss of the attention kernel would give)
  13n at BW    today's three passes at the copy bandwidth + attention at the steady throughput
  9n at BW     one fused pass at the copy bandwidth + attention at the steady throughput
  hard         one fused pass at the copy bandwidth + attention at the fp8 peak
Each is printed as the largest speed-up over cuDNN it allows; a target above the "hard" column
cannot be met by any kernel that keeps DESIGN.md's quantization contract on this GPU.

Inputs: a dattn_sage_timing log (total and quantization ms per workload; bench/gpu/sage_timing.cpp)
and bench/gpu/compare.py's compare.csv (cuDNN's time, same GPU). The ceilings (device copy,
fp8 and bf16 matrix products) are measured here with PyTorch unless given.
  python3 bench/gpu/floors.py --sage-timing LOG --compare compare.csv [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
from pathlib import Path

TARGET_SPEEDUP = 1.3      # issue 5: sage_attn >= 1.3x cuDNN at S >= 4096
TARGET_MIN_SEQ = 4096
TARGET_NEVER_SLOWER = 1.0  # ... and never slower at any workload
TARGET_TFLOPS = 950.0      # ... and >= 950 TFLOPS-equivalent at (4, 32, 16384-32768, 128)


def measure_ceilings(iters=10):
    """Device copy (bytes read + written per second) and dense matrix-product peaks."""
    import torch

    def median_ms(fn):
        for _ in range(3):
            fn()
        times = []
        for _ in range(iters):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        return statistics.median(times)

    src = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    copy_tbs = 2 * src.numel() / (median_ms(lambda: dst.copy_(src)) * 1e-3) / 1e12
    del src, dst
    m = 8192
    a = torch.randn(m, m, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(m, m, device="cuda", dtype=torch.bfloat16)
    bf16_tflops = 2 * m**3 / (median_ms(lambda: a @ b) * 1e-3) / 1e12
    a8, b8 = a.to(torch.float8_e4m3fn), b.to(torch.float8_e4m3fn)
    one = torch.ones((), device="cuda")
    fp8_tflops = 2 * m**3 / (median_ms(
        lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16))
        * 1e-3) / 1e12
    return dict(gpu=torch.cuda.get_device_name(), copy_tbs=copy_tbs, bf16_tflops=bf16_tflops,
                fp8_tflops=fp8_tflops)


def read_sage_timing(path, pv):
    """{(B, H, S, D): (total_ms, quant_ms)} of the non-causal `automatic` rows of one P·V."""
    rows = {}
    pattern = re.compile(r"\((\d+),(\d+),(\d+),(\d+)\)\s+(\w+)\s+automatic\s+([\d.]+)\s+[\d.]+\s+([\d.]+)")
    for line in Path(path).read_text().splitlines():
        match = pattern.search(line)
        if match and "causal" not in line and match.group(5) == pv:
            shape = tuple(int(x) for x in match.group(1, 2, 3, 4))
            rows[shape] = (float(match.group(6)), float(match.group(7)))
    return rows


def read_cudnn(path):
    """{(B, H, S, D): median ms} of torch_cudnn in a compare.csv."""
    with open(path, newline="") as f:
        return {(int(r["batch"]), int(r["heads"]), int(r["seq"]), int(r["head_dim"])): float(r["median_ms"])
                for r in csv.DictReader(f) if r["backend"] == "torch_cudnn" and r["median_ms"]}


def table(sage, cudnn, ceilings):
    flops = {s: 4.0 * s[0] * s[1] * s[2] ** 2 * s[3] for s in sage}
    attn_tflops = {s: flops[s] / ((total - quant) * 1e-3) / 1e12 for s, (total, quant) in sage.items()}
    steady = {}
    for s, tf in attn_tflops.items():
        steady[s[3]] = max(steady.get(s[3], 0.0), tf)
    bw = ceilings["copy_tbs"] * 1e12
    lines = [
        "| (B, H, S, D) | cuDNN ms | sage ms | quant ms | x cuDNN | target | as built | 13n at BW | 9n at BW | hard |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in sorted(sage, key=lambda x: (x[3], x[2] * x[0] * x[1])):
        if s not in cudnn:
            continue
        total, quant = sage[s]
        n = s[0] * s[1] * s[2] * s[3]
        attn_ms = flops[s] / (steady[s[3]] * 1e12) * 1e3
        floors = [quant + attn_ms, 13 * n / bw * 1e3 + attn_ms, 9 * n / bw * 1e3 + attn_ms,
                  9 * n / bw * 1e3 + flops[s] / (ceilings["fp8_tflops"] * 1e12) * 1e3]
        target = TARGET_SPEEDUP if s[2] >= TARGET_MIN_SEQ else TARGET_NEVER_SLOWER
        c = cudnn[s]
        lines.append(f"| {s} | {c:.3f} | {total:.3f} | {quant:.3f} | {c / total:.2f} | {target:.1f} | " +
                     " | ".join(f"{c / f:.2f}" for f in floors) + " |")
    lines.append("")
    lines.append("Steady attention-only throughput (TFLOPS) per head dim: " +
                 ", ".join(f"D = {d}: {tf:.0f}" for d, tf in sorted(steady.items())))
    for s, (total, _) in sorted(sage.items()):
        if s[:2] == (4, 32) and s[3] == 128 and s[2] >= 16384:
            need_ms = flops[s] / (TARGET_TFLOPS * 1e12) * 1e3
            lines.append(f"{s}: {flops[s] / (total * 1e-3) / 1e12:.0f} TFLOPS end to end; "
                         f"{TARGET_TFLOPS:.0f} needs {need_ms:.3f} ms, attention alone at "
                         f"{flops[s] / ((need_ms - sage[s][1]) * 1e-3) / 1e12:.0f} TFLOPS with today's quantization")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sage-timing", type=Path, required=True, help="dattn_sage_timing output")
    parser.add_argument("--compare", type=Path, required=True, help="compare.py's compare.csv")
    parser.add_argument("--pv", default="fp8", choices=["fp8", "f16"])
    parser.add_argument("--ceilings", nargs=3, type=float, metavar=("COPY_TBS", "BF16_TFLOPS", "FP8_TFLOPS"),
                        help="skip the measurement (e.g. to redo a table from a results file)")
    parser.add_argument("--out", type=Path, help="also write floors.md here")
    args = parser.parse_args()
    if args.ceilings:
        ceilings = dict(gpu="given", copy_tbs=args.ceilings[0], bf16_tflops=args.ceilings[1],
                        fp8_tflops=args.ceilings[2])
    else:
        ceilings = measure_ceilings()
    head = (f"{ceilings['gpu']}: copy {ceilings['copy_tbs']:.2f} TB/s, bf16 matrix product "
            f"{ceilings['bf16_tflops']:.0f} TFLOPS, fp8 {ceilings['fp8_tflops']:.0f} TFLOPS; sage P·V {args.pv}")
    text = head + "\n\n" + table(read_sage_timing(args.sage_timing, args.pv), read_cudnn(args.compare), ceilings)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "floors.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
