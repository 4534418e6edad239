"""dattn on torch CUDA tensors against F.scaled_dot_product_attention and fp64, the
SageAttention drop-in, and PyTorch's current stream."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

import torch.nn.functional as F  # noqa: E402

import dattn  # noqa: E402
from attn_reference import SAGE_BOUNDS, metrics, reference  # noqa: E402


def to64(t):
    return t.detach().to("cpu", torch.float64).numpy()


def inputs(rng, b, hq, hkv, sq, sk, d, dtype=torch.bfloat16, layout="HND", k_bias=False):
    g = torch.Generator(device="cuda").manual_seed(int(rng.integers(2**62)))

    def make(h, s):
        shape = (b, h, s, d) if layout == "HND" else (b, s, h, d)
        return torch.randn(shape, generator=g, device="cuda", dtype=torch.float32)

    q, k, v = make(hq, sq), make(hkv, sk), make(hkv, sk)
    if k_bias:
        bias_shape = (b, hkv, 1, d) if layout == "HND" else (b, 1, hkv, d)
        k = k + 8 * torch.randn(bias_shape, generator=g, device="cuda")
        q = q * 2
    return q.to(dtype), k.to(dtype), v.to(dtype)


def torch_sdpa(q, k, v, layout="HND", is_causal=False):
    if layout == "NHD":
        q, k, v = (x.transpose(1, 2) for x in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=is_causal,
                                         enable_gqa=q.shape[1] != k.shape[1])
    return out.transpose(1, 2) if layout == "NHD" else out


def backend_available(name):
    return any(r.platform == "cuda" and r.backend == name and r.available for r in dattn.backends())


EXACT = ["sdpa", "fa"]
SHAPES = [
    pytest.param((2, 8, 8, 1000, 1000, 128, False), id="self-d128"),
    pytest.param((1, 8, 2, 501, 2042, 64, False), id="gqa-cross-d64"),
    pytest.param((1, 4, 4, 777, 777, 128, True), id="causal"),
]


@pytest.mark.parametrize("backend", EXACT)
@pytest.mark.parametrize("layout", ["HND", "NHD"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "f16"])
@pytest.mark.parametrize("shape", SHAPES)
def test_exact_backends_as_close_as_pytorch(rng, backend, layout, dtype, shape):
    if not backend_available(backend):
        pytest.skip(f"{backend} is not available on this GPU")
    *dims, causal = shape
    q, k, v = inputs(rng, *dims, dtype=dtype, layout=layout)
    out, lse = dattn.attention(q, k, v, layout=layout, is_causal=causal, backend=backend,
                               strict=True, return_lse=True)
    theirs = torch_sdpa(q, k, v, layout, causal)
    ref, ref_lse = reference(to64(q), to64(k), to64(v), layout=layout, causal=causal)
    got, base = metrics(to64(out), ref), metrics(to64(theirs), ref)
    assert got["rel_l1"] <= 2 * base["rel_l1"] + 1e-4, (got, base)
    np.testing.assert_allclose(to64(lse), ref_lse, atol=2e-3, rtol=0)


@pytest.mark.parametrize("sage_pv", ["fp8", "f16"])
@pytest.mark.parametrize("k_bias", [False, True], ids=["gaussian", "k_bias"])
@pytest.mark.parametrize("layout", ["HND", "NHD"])
@pytest.mark.parametrize("d", [64, 128])
def test_sage_within_design_bounds(rng, sage_pv, k_bias, layout, d):
    if not backend_available("sage_attn"):
        pytest.skip("sage_attn is not available on this GPU")
    q, k, v = inputs(rng, 2, 8, 8, 1500, 1500, d, layout=layout, k_bias=k_bias)
    if sage_pv == "fp8" and torch.cuda.get_device_capability() < (8, 9):
        pytest.skip("fp8 P·V needs FP8 tensor cores (compute capability 8.9 or later)")
    out = dattn.attention(q, k, v, layout=layout, backend="sage_attn", sage_pv=sage_pv,
                          strict=True)
    m = metrics(to64(out), reference(to64(q), to64(k), to64(v), layout=layout)[0])
    min_cosine, max_rel_l1 = SAGE_BOUNDS[sage_pv]
    assert m["cosine"] >= min_cosine and m["rel_l1"] <= max_rel_l1, m


@pytest.mark.parametrize("layout", ["HND", "NHD"])
def test_sageattn_drop_in(rng, layout):
    """What a SageAttention call site gets after switching its import: same shapes, dtype
    and LSE; results within DESIGN.md's bounds of fp64 and of PyTorch's SDPA."""
    q, k, v = inputs(rng, 2, 24, 24, 4608 // 4, 4608 // 4, 128, layout=layout)
    out, lse = dattn.sageattn(q, k, v, tensor_layout=layout, is_causal=False, return_lse=True,
                              smooth_k=True)
    assert out.shape == q.shape and out.dtype == q.dtype and lse.shape == (2, 24, q.shape[2 if layout == "HND" else 1])
    ref, ref_lse = reference(to64(q), to64(k), to64(v), layout=layout)
    min_cosine, max_rel_l1 = SAGE_BOUNDS["fp8"]
    for target in (ref, to64(torch_sdpa(q, k, v, layout))):
        m = metrics(to64(out), target)
        assert m["cosine"] >= min_cosine and m["rel_l1"] <= max_rel_l1, m
    np.testing.assert_allclose(to64(lse), ref_lse, atol=0.05, rtol=0.01)


@pytest.mark.parametrize("backend", ["fa", "sage_attn"])
def test_runs_on_the_current_stream(rng, backend):
    """q is written on a side stream after a long sleep; a kernel on any other stream would
    read it before it is written."""
    q_src, k, v = inputs(rng, 1, 8, 8, 1024, 1024, 128)
    q = torch.zeros_like(q_src)
    torch.cuda.synchronize()
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        torch.cuda._sleep(200_000_000)
        q.copy_(q_src)
        out = dattn.attention(q, k, v, backend=backend)
    side.synchronize()
    expected = dattn.attention(q_src, k, v, backend=backend)
    torch.cuda.synchronize()
    torch.testing.assert_close(out, expected, rtol=0, atol=0)

