#!/usr/bin/env python3
"""Summarises bench/gpu/ab.sh's log: the mean over rounds of each tree's sage_attn time per
shape and P·V precision, and the speed-up of the working tree (the first) against each other.
   python3 bench/gpu/ab_table.py ab.log"""
import collections
import re
import sys


def main(path):
    times = collections.defaultdict(list)  # (tree, shape, pv) -> ms
    trees, shapes = [], []
    tree = None
    for line in open(path):
        m = re.match(r"=== round \d+: (.*)", line)
        if m:
            tree = m.group(1).rstrip("/").split("/")[-1]
            if tree not in trees:
                trees.append(tree)
            continue
        m = re.match(r"(.{28}) (fp8|f16)\s+automatic\s+([\d.]+)", line)
        if m and tree:
            key = (m.group(1).strip(), m.group(2))
            if key not in shapes:
                shapes.append(key)
            times[(tree,) + key].append(float(m.group(3)))
    mean = {k: sum(v) / len(v) for k, v in times.items()}
    head = ["shape", "P·V"] + [f"{t} ms" for t in trees] + [f"{trees[0]} vs {t}" for t in trees[1:]]
    print("| " + " | ".join(head) + " |")
    print("|---|---|" + "---:|" * (len(head) - 2))
    for shape, pv in shapes:
        a = mean.get((trees[0], shape, pv))
        row = [shape, pv] + [f"{mean[(t, shape, pv)]:.3f}" if (t, shape, pv) in mean else "-" for t in trees]
        row += [f"{mean[(t, shape, pv)] / a:.3f}" if a and (t, shape, pv) in mean else "-" for t in trees[1:]]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
