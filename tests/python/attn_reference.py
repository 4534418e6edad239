"""fp64 NumPy reference of dattn's attention and the error metrics of DESIGN.md."""

import numpy as np


def to_hnd(x, layout):
    return x if layout == "HND" else x.transpose(0, 2, 1, 3)


def reference(q, k, v, *, layout="HND", causal=False, sm_scale=None):
    """(out, lse) in float64: out in the layout given, lse [B, Hq, Sq] natural log.

    GQA: query head h reads key/value head h // (Hq // Hkv). Causal is bottom-right aligned:
    query i sees keys j <= i + Sk - Sq."""
    q, k, v = (to_hnd(np.asarray(x).astype(np.float64), layout) for x in (q, k, v))
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    scale = 1.0 / np.sqrt(q.shape[3]) if sm_scale is None else sm_scale
    s = np.einsum("bhqd,bhkd->bhqk", q, k) * scale
    if causal:
        sq, sk = q.shape[2], k.shape[2]
        visible = np.arange(sk)[None, :] <= np.arange(sq)[:, None] + (sk - sq)
        s = np.where(visible, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    p = np.exp(s - m)
    denom = p.sum(axis=-1, keepdims=True)
    out = np.einsum("bhqk,bhkd->bhqd", p / denom, v)
    lse = (m + np.log(denom))[..., 0]
    return to_hnd(out, layout), lse


def metrics(x, ref):
    """Cosine similarity, relative L1, RMSE and max abs error over the flattened tensors."""
    x = np.asarray(x).astype(np.float64).ravel()
    r = np.asarray(ref).astype(np.float64).ravel()
    return {
        "cosine": float(x @ r / (np.linalg.norm(x) * np.linalg.norm(r))),
        "rel_l1": float(np.abs(x - r).sum() / np.abs(r).sum()),
        "rmse": float(np.sqrt(np.mean((x - r) ** 2))),
        "max_abs": float(np.abs(x - r).max()),
    }


# DESIGN.md's bounds for sage_attn, per P·V precision: (min cosine, max relative L1).
SAGE_BOUNDS = {"fp8": (0.9992, 0.04), "f16": (0.9996, 0.025)}


def exact_bound(out_dtype_rounding_error, dtype_name):
    """Relative-L1 bound of the exact backends (sdpa, fa): twice the error of rounding the
    fp64 result to the output dtype (what any same-precision implementation pays) plus the
    fp32 accumulation noise of that precision."""
    noise = {"float32": 2e-5, "float16": 5e-4, "bfloat16": 2e-3}[dtype_name]
    return 2 * out_dtype_rounding_error + noise
