"""Turns the JSON lines of dattn_bench_cpu and torch_sdpa.py into one markdown table:
GFLOPS per implementation for each (shape, dtype, threads), and the ratios the issue
targets (fa / torch sdpa >= 1.0; sage_attn / fa >= 1.25 at D = 128, bf16)."""
import json
import sys
from collections import defaultdict


def main() -> None:
    rows = defaultdict(dict)
    impls = []
    for line in open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        key = (tuple(r["shape"]), r["dtype"], r["threads"])
        rows[key][r["impl"]] = r.get("gflops")
        if r["impl"] not in impls:
            impls.append(r["impl"])
    best_sage = [i for i in impls if i.startswith("dattn sage_attn")]
    head = ["shape (B,H,S,D)", "dtype", "threads"] + [f"{i} GFLOPS" for i in impls] + ["fa / torch"]
    head += [f"{i.removeprefix('dattn ')} / fa" for i in best_sage]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for (shape, dtype, threads), g in sorted(rows.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        def ratio(a, b):
            return f"{a / b:.2f}" if a and b else "n/a"
        cells = [",".join(map(str, shape)), dtype, str(threads)]
        cells += [f"{g[i]:.0f}" if g.get(i) else "n/a" for i in impls]
        cells.append(ratio(g.get("dattn fa"), g.get("torch sdpa")))
        cells += [ratio(g.get(i), g.get("dattn fa")) for i in best_sage]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
