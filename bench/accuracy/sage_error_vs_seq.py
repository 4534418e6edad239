"""sage_attn fp8's error against fp64 as the sequence grows, on the CPU backend.

The CPU sage_attn runs DESIGN.md's arithmetic (INT8 Q·Kᵀ, e4m3 P and V, fp32 row sums) and is
the GPU kernel's bit-level reference, so what this prints is the algorithm's own error, with no
kernel in the way. Inputs: Gaussian fp16 (B = 1, H heads, S tokens, head dim D); metrics over
`rows` random query rows of every head, flattened, against an fp64 softmax.

    python3 bench/accuracy/sage_error_vs_seq.py [--dims 64 128] [--seqs 1024 4096 16384 32768]
                                               [--seeds 0 1] [--heads 2] [--rows 512]

Needs the installed package (`pip install .`); 32k tokens at D = 128 take ~4 s per seed on 2 cores.
"""
import argparse

import numpy as np

import dattn


def error(d, s, seed, heads, rows, pv):
    rng = np.random.default_rng(seed)
    q, k, v = (rng.standard_normal((1, heads, s, d)).astype(np.float16) for _ in range(3))
    out = dattn.attention(q, k, v, backend="sage_attn", sage_pv=pv, strict=True)
    picked = np.sort(rng.choice(s, min(rows, s), replace=False))
    got, ref = [], []
    for h in range(heads):
        scores = q[0, h, picked].astype(np.float64) @ k[0, h].astype(np.float64).T / np.sqrt(d)
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        ref.append(p @ v[0, h].astype(np.float64) / p.sum(axis=1, keepdims=True))
        got.append(out[0, h, picked].astype(np.float64))
    x, r = np.concatenate(got).ravel(), np.concatenate(ref).ravel()
    cosine = x @ r / (np.linalg.norm(x) * np.linalg.norm(r))
    return cosine, np.abs(x - r).sum() / np.abs(r).sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--seqs", type=int, nargs="+", default=[1024, 4096, 16384, 32768])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--rows", type=int, default=512)
    ap.add_argument("--pv", choices=["fp8", "f16"], default="fp8")
    args = ap.parse_args()
    print(f"sage_attn {args.pv} on cpu, cosine / relative L1 against fp64 "
          f"({args.heads} heads x {args.rows} rows), seeds {args.seeds}")
    for d in args.dims:
        for s in args.seqs:
            cells = [error(d, s, seed, args.heads, args.rows, args.pv) for seed in args.seeds]
            print(f"D={d:<4d} S={s:<6d} " + " ; ".join(f"{c:.5f} / {l:.4f}" for c, l in cells), flush=True)


if __name__ == "__main__":
    main()
