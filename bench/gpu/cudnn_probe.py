#!/usr/bin/env python3
"""PyTorch SDPA-cuDNN once per shape inside a profiler range, for ncu to describe cuDNN's kernel
(grid, block, registers, shared memory): what dattn's kernels are up against.
  ncu --profile-from-start off --section LaunchStats --section Occupancy --section SpeedOfLight \
      python3 bench/gpu/cudnn_probe.py
(bench/results/2026-11-26-session8-h200.md, call 8, has its answer on an H200.)"""
import torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
shapes = [(4, 32, 1024, 128), (4, 32, 1024, 64), (1, 24, 4608, 128)]
data = {s: [torch.randn(*s, device="cuda", dtype=torch.bfloat16) for _ in range(3)] for s in shapes}
with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
    for s in shapes:  # warm-up: cuDNN builds its plans
        F.scaled_dot_product_attention(*data[s])
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStart()
    for s in shapes:
        F.scaled_dot_product_attention(*data[s])
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStop()
