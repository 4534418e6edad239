"""Draws `dattn bench --plot`: throughput (TFLOPS) per workload, one bar per backend.

Usage: python3 bench/plot.py RESULTS.csv OUT.png
RESULTS.csv is what `dattn bench --csv` writes. Skipped rows (a backend that could not run)
are left out; their absence shows as a missing bar.
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py RESULTS.csv OUT.png")
    with open(sys.argv[1], newline="") as f:
        rows = [r for r in csv.DictReader(f) if not r["skipped"]]
    if not rows:
        sys.exit("plot.py: no measured rows to draw")
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    backends = list(dict.fromkeys(r["requested"] for r in rows))
    tflops = {(r["workload"], r["requested"]): float(r["tflops"]) for r in rows}

    width = 0.8 / len(backends)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(workloads) * len(backends) / 2 + 2), 4.5))
    for i, backend in enumerate(backends):
        xs = [w + (i - (len(backends) - 1) / 2) * width for w in range(len(workloads))]
        ys = [tflops.get((w, backend), 0.0) for w in workloads]
        ax.bar(xs, ys, width, label=backend)
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels(workloads, rotation=30, ha="right")
    ax.set_ylabel("TFLOPS (4·B·H·Sq·Sk·D / time)")
    ax.set_title(f"dattn bench ({rows[0]['dtype']})")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=120)


if __name__ == "__main__":
    main()
