#!/usr/bin/env python3
"""How fast sage_attn could be at each workload, against issue 5's targets: lower bounds on its
end-to-end time from this GPU's measured ceilings, beside the measured time and cuDNN's.

The model is today's: quantization passes, then attention (a dependent launch that overlaps
only their last blocks). Per workload (B, H, S, D) with as many K/V heads as query heads and as
many keys as queries, n = B·H·S·D elements per tensor:
  * quantization moves, as built, 13n bytes with fp8 P·V (the statistics pass reads bf16 K and
    V, 4n; the quantizer reads Q, K and V, 6n, and writes 1-byte codes of all three, 3n) or 12n
    with f16 P·V (statistics read K only, V written as 2-byte f16); a single fused pass would
    move 9n or 10n (each input read once, each code written once);
  * attention does 4·B·H·S²·D FLOPs, at best at the kernel's own steady throughput (its
    attention-only time, total minus quantization in the timing log, at the workload of that
    head dim where it is fastest) or, with a free softmax, at the matrix-product peaks (Q·Kᵀ
    at the fp8/int8 peak, P·V at the fp8 or the bf16 peak).
Bandwidth BW: the larger of the measured device copy rate and the best rate the quantization
passes themselves reached in the log (they mostly read, which runs a little faster than a copy).
Floors, from highest to lowest, printed as the largest speed-up over cuDNN each allows:
  as built     quantization as measured + attention at the steady throughput
               (what removing every per-item and tail loss of the attention kernel would give)
  passes@BW    today's passes at BW + attention at the steady throughput
  fused@BW     one fused pass at BW + attention at the steady throughput
  hard         one fused pass at BW + attention at the matrix-product peaks, softmax free
A target above "fused@BW" needs attention faster than the kernel has ever run, or quantization
overlapped with attention (a different design); "hard" says what no serial design can beat.

"now" and cuDNN come from bench/gpu/compare.py's CSV (same process, same method); the timing log
(bench/gpu/sage_timing.cpp, another harness) only splits sage_attn's time into quantization and
attention. A workload whose cuDNN median exceeds its fastest run by more than 10 % is flagged:
its ratio is less certain than the rest.
  python3 bench/gpu/floors.py --sage-timing LOG --compare compare.csv [--pv fp8|f16]
                              [--ceilings COPY_TBS BF16_TFLOPS FP8_TFLOPS] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

TARGET_SPEEDUP = 1.3      # issue 5: sage_attn >= 1.3x cuDNN at S >= 4096
TARGET_MIN_SEQ = 4096
TARGET_NEVER_SLOWER = 1.0  # ... and never slower at any workload
TARGET_TFLOPS = 950.0      # ... and >= 950 TFLOPS-equivalent at (4, 32, 16384-32768, 128)
# Bytes per element moved by the quantization: (today's passes, one fused pass), per P·V.
QUANT_BYTES = {"fp8": (13, 9), "f16": (12, 10)}
SPREAD_FLAG = 1.10         # cuDNN median / fastest run above this: flagged


def measure_ceilings(iters=10):
    """Device copy (bytes read + written per second) and dense matrix-product peaks."""
    import torch

    from compare import time_ms  # compare.py's event timing, without its L2 flush

    def median_ms(fn):
        return time_ms(fn, 3, iters)[0]

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


def read_compare(path, pv):
    """{(B, H, S, D): (cuDNN median ms, cuDNN fastest ms, sage median ms)} from a compare.csv."""
    found = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if not r["median_ms"]:
                continue
            shape = (int(r["batch"]), int(r["heads"]), int(r["seq"]), int(r["head_dim"]))
            found.setdefault(shape, {})[r["backend"]] = (float(r["median_ms"]), float(r["min_ms"]))
    return {s: (b["torch_cudnn"][0], b["torch_cudnn"][1], b[f"dattn_sage_{pv}"][0])
            for s, b in found.items() if "torch_cudnn" in b and f"dattn_sage_{pv}" in b}


def table(sage, compare, ceilings, pv):
    shapes = sorted((s for s in sage if s in compare), key=lambda x: (x[3], x[2] * x[0] * x[1]))
    if not shapes:
        sys.exit("no workload is in both the timing log and the CSV (a single-shape log has none)")
    built_bytes, fused_bytes = QUANT_BYTES[pv]
    flops = {s: 4.0 * s[0] * s[1] * s[2] ** 2 * s[3] for s in sage}
    elements = {s: s[0] * s[1] * s[2] * s[3] for s in sage}
    steady = {}
    for s, (total, quant) in sage.items():
        steady[s[3]] = max(steady.get(s[3], 0.0), flops[s] / ((total - quant) * 1e-3) / 1e12)
    passes_tbs = max(built_bytes * elements[s] / (quant * 1e-3) / 1e12 for s, (_, quant) in sage.items())
    bw = max(ceilings["copy_tbs"], passes_tbs) * 1e12
    pv_peak = ceilings["fp8_tflops"] if pv == "fp8" else ceilings["bf16_tflops"]
    lines = [f"BW {bw / 1e12:.2f} TB/s (copy {ceilings['copy_tbs']:.2f}, best quantization pass rate "
             f"{passes_tbs:.2f}); bytes per element: {built_bytes} as built, {fused_bytes} fused", "",
             "| (B, H, S, D) | cuDNN ms | sage ms | quant ms (log) | now | target | as built | passes@BW | "
             "fused@BW | hard |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in shapes:
        cudnn, cudnn_min, now_ms = compare[s]
        quant = sage[s][1]
        attn_ms = flops[s] / (steady[s[3]] * 1e12) * 1e3
        hard_attn_ms = (flops[s] / 2 / ceilings["fp8_tflops"] + flops[s] / 2 / pv_peak) / 1e12 * 1e3
        floors = [quant + attn_ms, built_bytes * elements[s] / bw * 1e3 + attn_ms,
                  fused_bytes * elements[s] / bw * 1e3 + attn_ms, fused_bytes * elements[s] / bw * 1e3 + hard_attn_ms]
        target = TARGET_SPEEDUP if s[2] >= TARGET_MIN_SEQ else TARGET_NEVER_SLOWER
        flag = " (cuDNN spread)" if cudnn / cudnn_min > SPREAD_FLAG else ""
        lines.append(f"| {s}{flag} | {cudnn:.3f} | {now_ms:.3f} | {quant:.3f} | {cudnn / now_ms:.2f} | {target:.1f} | " +
                     " | ".join(f"{cudnn / f:.2f}" for f in floors) + " |")
    lines.append("")
    lines.append("Steady attention-only throughput (TFLOPS, from the log) per head dim: " +
                 ", ".join(f"D = {d}: {tf:.0f}" for d, tf in sorted(steady.items())))
    for s in shapes:
        if s[:2] == (4, 32) and s[3] == 128 and s[2] >= 16384:
            need_ms = flops[s] / (TARGET_TFLOPS * 1e12) * 1e3
            lines.append(f"{s}: {flops[s] / (compare[s][2] * 1e-3) / 1e12:.0f} TFLOPS end to end; "
                         f"{TARGET_TFLOPS:.0f} needs {need_ms:.3f} ms, attention alone at "
                         f"{flops[s] / ((need_ms - sage[s][1]) * 1e-3) / 1e12:.0f} TFLOPS with today's quantization")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sage-timing", type=Path, required=True, help="dattn_sage_timing output")
    parser.add_argument("--compare", type=Path, required=True, help="compare.py's compare.csv")
    parser.add_argument("--pv", default="fp8", choices=sorted(QUANT_BYTES))
    parser.add_argument("--ceilings", nargs=3, type=float, metavar=("COPY_TBS", "BF16_TFLOPS", "FP8_TFLOPS"),
                        help="skip the measurement (e.g. to redo a table from a results file)")
    parser.add_argument("--out", type=Path, help="also write floors-<pv>.md here")
    args = parser.parse_args()
    if args.ceilings:
        ceilings = dict(gpu="given", copy_tbs=args.ceilings[0], bf16_tflops=args.ceilings[1],
                        fp8_tflops=args.ceilings[2])
    else:
        ceilings = measure_ceilings()
    head = (f"{ceilings['gpu']}: copy {ceilings['copy_tbs']:.2f} TB/s, bf16 matrix product "
            f"{ceilings['bf16_tflops']:.0f} TFLOPS, fp8 {ceilings['fp8_tflops']:.0f} TFLOPS; sage P·V {args.pv}")
    text = head + "\n" + table(read_sage_timing(args.sage_timing, args.pv), read_compare(args.compare, args.pv),
                               ceilings, args.pv)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"floors-{args.pv}.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
