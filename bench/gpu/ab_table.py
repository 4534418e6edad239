#!/usr/bin/env python3
"""Summarises bench/gpu/ab.sh's log: the mean over rounds of each tree's sage_attn time per
shape and P·V precision, and the speed-up of the working tree (the first) against each other,
then the same for the quantization's time alone; with FA=1, also each tree's fa time per
shape: the median of dattn_fa_sm90_bench's two columns (the public fa call and fa_sm90 itself,
the same kernel on sm_90) over the rounds. Trees are named by their folder, with its parent
where two folders share a name (the repository root and .ab/main, say).
   python3 bench/gpu/ab_table.py ab.log"""
import collections
import re
import statistics
import sys

FA_ROW = re.compile(r"\| \((\d+), (\d+), (\d+), (\d+)\) \| ([\d.]+) \| \d+ \| ([\d.]+) \|")


def table(trees, keys, value, label):
    head = label + [f"{t} ms" for t in trees] + [f"{trees[0]} vs {t}" for t in trees[1:]]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(label) + "---:|" * (len(head) - len(label)))
    for key in keys:
        a = value.get((trees[0],) + key)
        row = list(key) + [f"{value[(t,) + key]:.3f}" if (t,) + key in value else "-" for t in trees]
        row += [f"{value[(t,) + key] / a:.3f}" if a and (t,) + key in value else "-" for t in trees[1:]]
        print("| " + " | ".join(row) + " |")


def labels(paths):
    """Each tree's folder name, or its last two path parts where folder names repeat."""
    names = [p.rstrip("/").split("/") for p in paths]
    last = collections.Counter(n[-1] for n in names)
    return {p: "/".join(n[-2:]) if last[n[-1]] > 1 else n[-1] for p, n in zip(paths, names)}


def main(path):
    sage = collections.defaultdict(list)  # (tree, shape, pv) -> ms
    quant = collections.defaultdict(list)  # (tree, shape, pv) -> quantization ms
    fa = collections.defaultdict(list)  # (tree, shape) -> ms
    trees, sage_keys, fa_keys = [], [], []
    tree = None
    for line in open(path):
        m = re.match(r"=== round \d+: (.*)", line)
        if m:
            tree = m.group(1).strip()
            if tree not in trees:
                trees.append(tree)
            continue
        m = re.match(r"(.+?)\s+(fp8|f16)\s+automatic\s+([\d.]+)\s+[\d.]+\s+([\d.]+)", line)
        if m and tree:
            key = (m.group(1).strip(), m.group(2))
            if key not in sage_keys:
                sage_keys.append(key)
            sage[(tree,) + key].append(float(m.group(3)))
            quant[(tree,) + key].append(float(m.group(4)))
        m = FA_ROW.match(line)
        if m and tree:
            key = ("(" + ", ".join(m.group(i) for i in range(1, 5)) + ")",)
            if key not in fa_keys:
                fa_keys.append(key)
            fa[(tree,) + key] += [float(m.group(5)), float(m.group(6))]
    name = labels(trees)

    def named(values):
        return {(name[k[0]],) + k[1:]: v for k, v in values.items()}

    def mean(values):
        return named({k: sum(v) / len(v) for k, v in values.items()})

    trees = [name[t] for t in trees]
    if sage_keys:
        table(trees, sage_keys, mean(sage), ["shape", "P·V"])
        print()
        table(trees, sage_keys, mean(quant), ["quantization: shape", "P·V"])
    if fa_keys:
        print()
        table(trees, fa_keys, named({k: statistics.median(v) for k, v in fa.items()}), ["fa (B, H, S, D)"])


if __name__ == "__main__":
    main(sys.argv[1])
