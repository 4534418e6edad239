"""dattn with PyTorch tensors (CPU, and CUDA where present): zero-copy in and out, the SDPA
routing of a diffusers-style block, and what the routing hands back to PyTorch."""

import logging

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import dattn  # noqa: E402
import dattn._torch_routing as routing  # noqa: E402
from attn_reference import SAGE_BOUNDS, metrics, reference  # noqa: E402
from dit_block import DiTAttention  # noqa: E402

DEVICES = [
    pytest.param("cpu"),
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="no CUDA device")),
]


def to64(t):
    return t.detach().to("cpu", torch.float64).numpy()


def generator(rng, device):
    return torch.Generator(device=device).manual_seed(int(rng.integers(2**62)))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("layout", ["HND", "NHD"])
def test_torch_in_torch_out(rng, device, layout):
    g = generator(rng, device)
    dims = (2, 40, 4, 64) if layout == "NHD" else (2, 4, 40, 64)
    q, k, v = (torch.randn(dims, generator=g, device=device, dtype=torch.float16) for _ in range(3))
    out, lse = dattn.attention(q, k, v, layout=layout, return_lse=True)
    assert isinstance(out, torch.Tensor) and out.device == q.device and out.dtype == q.dtype
    assert lse.device == q.device and lse.dtype == torch.float32 and lse.shape == (2, 4, 40)
    ref, ref_lse = reference(to64(q), to64(k), to64(v), layout=layout)
    assert metrics(to64(out), ref)["rel_l1"] <= 2e-3
    np.testing.assert_allclose(to64(lse), ref_lse, atol=5e-3, rtol=0)


@pytest.mark.parametrize("device", DEVICES)
def test_requires_grad_and_strided_inputs(rng, device):
    g = generator(rng, device)
    # [B, S, H, D] projections seen as [B, H, S, D], as diffusers hands them to SDPA.
    q, k, v = (torch.randn(1, 50, 3, 64, generator=g, device=device).transpose(1, 2)
               .requires_grad_() for _ in range(3))
    out = dattn.attention(q, k, v)
    assert not out.requires_grad
    ref, _ = reference(to64(q), to64(k), to64(v))
    assert metrics(to64(out), ref)["rel_l1"] <= 1e-4


def block(device, dtype, rng, heads=4, kv_heads=None):
    torch.manual_seed(int(rng.integers(2**62)))
    return DiTAttention(256, heads, kv_heads).to(device=device, dtype=dtype).eval()


def count_routed(monkeypatch):
    calls = []
    original = routing.attention

    def counting(*args, **kwargs):
        calls.append(kwargs.get("backend"))
        return original(*args, **kwargs)

    monkeypatch.setattr(routing, "attention", counting)
    monkeypatch.setattr(routing, "_logged", set())
    return calls


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kv_heads", [None, 2], ids=["mha", "gqa"])
@pytest.mark.parametrize("backend", [None, "sage_attn"])
def test_routing_matches_pytorch(rng, monkeypatch, device, kv_heads, backend):
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    module = block(device, dtype, rng, kv_heads=kv_heads)
    g = generator(rng, device)
    x = torch.randn(2, 300, 256, generator=g, device=device, dtype=dtype)
    context = torch.randn(2, 77, 256, generator=g, device=device, dtype=dtype)
    calls = count_routed(monkeypatch)
    with torch.no_grad():
        expected = module(x, context)
        with dattn.sdpa_routing(backend=backend):
            routed = module(x, context)
        exact = module.to("cpu", torch.float64)(x.cpu().double(), context.cpu().double())
    assert calls == [backend]
    ref = exact.numpy()
    got, theirs = metrics(to64(routed), ref), metrics(to64(expected), ref)
    if backend == "sage_attn":
        min_cosine, max_rel_l1 = SAGE_BOUNDS["fp8"]
        assert got["cosine"] >= min_cosine and got["rel_l1"] <= max_rel_l1, got
    else:
        # Exact attention: as close to fp64 as PyTorch's own kernels, give or take rounding.
        assert got["rel_l1"] <= 2 * theirs["rel_l1"] + 1e-4, (got, theirs)


@pytest.mark.parametrize("device", DEVICES)
def test_routing_hands_masks_back_to_pytorch(rng, monkeypatch, caplog, device):
    module = block(device, torch.float32, rng)
    g = generator(rng, device)
    x = torch.randn(1, 64, 256, generator=g, device=device)
    mask = torch.rand(1, 1, 64, 64, generator=g, device=device) > 0.3
    calls = count_routed(monkeypatch)
    with torch.no_grad(), caplog.at_level(logging.WARNING, logger="dattn"):
        expected = module(x, attention_mask=mask)
        with dattn.sdpa_routing():
            handed_back = module(x, attention_mask=mask)
            module(x, attention_mask=mask)
    assert calls == []
    torch.testing.assert_close(handed_back, expected, rtol=0, atol=0)
    warnings = [r.getMessage() for r in caplog.records if "handed back" in r.getMessage()]
    assert len(warnings) == 1 and "attn_mask" in warnings[0]


@pytest.mark.parametrize("device", DEVICES)
def test_routing_hands_back_what_dattn_does_not_do(rng, monkeypatch, device):
    g = generator(rng, device)
    q = torch.randn(1, 2, 10, 64, generator=g, device=device)
    k = torch.randn(1, 2, 12, 64, generator=g, device=device)
    calls = count_routed(monkeypatch)
    pytorch = F.scaled_dot_product_attention
    with dattn.sdpa_routing():
        # PyTorch aligns a causal mask with Sq != Sk top-left, dattn bottom-right.
        torch.testing.assert_close(F.scaled_dot_product_attention(q, k, k, is_causal=True),
                                   pytorch(q, k, k, is_causal=True), rtol=0, atol=0)
        F.scaled_dot_product_attention(q.double(), k.double(), k.double())
        F.scaled_dot_product_attention(q[0], k[0], k[0])
        with torch.enable_grad():
            F.scaled_dot_product_attention(q.requires_grad_(), k, k).sum().backward()
        assert q.grad is not None
        # PyTorch accepts a zero scale and empty inputs, which dattn refuses: PyTorch runs them.
        q0 = q.detach()
        torch.testing.assert_close(F.scaled_dot_product_attention(q0, k, k, scale=0.0),
                                   pytorch(q0, k, k, scale=0.0), rtol=0, atol=0)
        assert F.scaled_dot_product_attention(q0[:0], k[:0], k[:0]).shape == (0, 2, 10, 64)
        F.scaled_dot_product_attention(q.detach(), k, k, is_causal=False)
    assert calls == [None]


def test_routing_restores_pytorch():
    original = F.scaled_dot_product_attention
    with pytest.raises(KeyError):
        with dattn.sdpa_routing():
            assert F.scaled_dot_product_attention is not original
            raise KeyError("inside")
    assert F.scaled_dot_product_attention is original


def cpu_qkv(rng):
    g = generator(rng, "cpu")
    return tuple(torch.randn(1, 2, 20, 64, generator=g) for _ in range(3))


def test_nested_blocks_use_the_innermost_settings(rng, monkeypatch):
    q, k, v = cpu_qkv(rng)
    calls = count_routed(monkeypatch)
    original = F.scaled_dot_product_attention
    with dattn.sdpa_routing(backend="fa"):
        with dattn.sdpa_routing(backend="sdpa"):
            F.scaled_dot_product_attention(q, k, v)
        F.scaled_dot_product_attention(q, k, v)
    assert calls == ["sdpa", "fa"]
    assert F.scaled_dot_product_attention is original


def test_blocks_overlapping_across_threads_restore_pytorch(rng, monkeypatch):
    # A enters, B enters, A leaves, B leaves: PyTorch's function is back, and a thread outside
    # any block gets PyTorch's behaviour while another thread's block is open.
    import threading

    q, k, v = cpu_qkv(rng)
    calls = count_routed(monkeypatch)
    original = F.scaled_dot_product_attention
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    failures = []

    def thread_a():
        with dattn.sdpa_routing(backend="fa"):
            a_in.set()
            b_in.wait(5)
            F.scaled_dot_product_attention(q, k, v)
        a_out.set()

    def thread_b():
        a_in.wait(5)
        with dattn.sdpa_routing(backend="sdpa"):
            b_in.set()
            a_out.wait(5)
            F.scaled_dot_product_attention(q, k, v)

    def outsider():
        a_in.wait(5)
        b_in.wait(5)
        try:
            torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v), original(q, k, v),
                                       rtol=0, atol=0)
        except AssertionError as error:
            failures.append(error)

    threads = [threading.Thread(target=f) for f in (thread_a, thread_b, outsider)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not failures
    assert sorted(calls) == ["fa", "sdpa"]
    assert F.scaled_dot_product_attention is original


def test_a_wrapper_installed_inside_a_block_keeps_working(rng):
    # Another library wraps F.scaled_dot_product_attention while a block is open: leaving the
    # block keeps its wrapper, and calls through it run it once, neither looping nor losing
    # PyTorch's answer, also after later blocks.
    q, k, v = cpu_qkv(rng)
    original = F.scaled_dot_product_attention
    expected = original(q, k, v)
    runs = []
    try:
        with dattn.sdpa_routing():
            inner = F.scaled_dot_product_attention

            def wrapper(*a, **kw):
                runs.append(1)
                return inner(*a, **kw)
            F.scaled_dot_product_attention = wrapper
        for _ in range(2):
            assert F.scaled_dot_product_attention is wrapper
            runs.clear()
            torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v), expected,
                                       rtol=0, atol=0)
            assert len(runs) == 1
            with dattn.sdpa_routing():
                F.scaled_dot_product_attention(q, k, v)
    finally:
        F.scaled_dot_product_attention = original


def test_a_block_left_in_another_context_still_restores_pytorch():
    # An async fixture enters in one task and leaves in another: the context variable cannot be
    # reset there, and PyTorch's function must come back all the same.
    import contextvars

    original = F.scaled_dot_product_attention
    block = dattn.sdpa_routing()
    contextvars.copy_context().run(block.__enter__)
    assert F.scaled_dot_product_attention is not original
    block.__exit__(None, None, None)
    assert F.scaled_dot_product_attention is original


def test_scale_is_keyword_only_as_in_pytorch(rng):
    q, k, v = cpu_qkv(rng)
    with pytest.raises(TypeError):
        F.scaled_dot_product_attention(q, k, v, None, 0.0, False, 0.125)
    with dattn.sdpa_routing(), pytest.raises(TypeError):
        F.scaled_dot_product_attention(q, k, v, None, 0.0, False, 0.125)
