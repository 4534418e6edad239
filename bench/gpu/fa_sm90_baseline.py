"""PyTorch SDPA baselines for fa_sm90 (issue 5), timed the same way as dattn_fa_sm90_bench:
uniform [-2, 2) bf16 inputs, 3 warm-ups, median of 15 runs each timed with CUDA events,
TFLOPS = 4*B*H*S^2*D / time, non-causal, [B, H, S, D] contiguous.
Usage: python3 fa_sm90_baseline.py [B H S D]..."""
import sys

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.functional import scaled_dot_product_attention as sdpa

SHAPES = [(1, 24, 4608, 128), (1, 40, 32760, 128), (1, 48, 17776, 64), (2, 38, 4429, 64), (4, 32, 1024, 128),
          (4, 32, 4096, 128), (4, 32, 8192, 128), (4, 32, 16384, 128), (4, 32, 32768, 128)]


def median_ms(fn):
    for _ in range(3):
        fn()
    times = []
    for _ in range(15):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return sorted(times)[len(times) // 2]


def main():
    args = [int(x) for x in sys.argv[1:]]
    shapes = [tuple(args[i:i + 4]) for i in range(0, len(args) - 3, 4)] or SHAPES
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}")
    print("| (B, H, S, D) | cuDNN ms | cuDNN TFLOPS | flash ms | flash TFLOPS |")
    print("|---|---|---|---|---|")
    for b, h, s, d in shapes:
        q, k, v = (torch.rand(b, h, s, d, device="cuda", dtype=torch.bfloat16) * 4 - 2 for _ in range(3))
        flop = 4 * b * h * s * s * d
        row = [f"({b}, {h}, {s}, {d})"]
        for backend in (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION):
            with sdpa_kernel(backend):
                ms = median_ms(lambda: sdpa(q, k, v))
            row += [f"{ms:.3f}", f"{flop / ms * 1e-9:.0f}"]
        print("| " + " | ".join(row) + " |")
        del q, k, v


if __name__ == "__main__":
    main()
