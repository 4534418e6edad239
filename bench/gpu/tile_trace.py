#!/usr/bin/env python3
"""Per-tile trace of the Hopper sage_attn kernel (fp8 P·V): where each consumer warpgroup's
cycles go, tile by tile. Not a benchmark: the stamps slow the kernel by ~6 %.

An instrumented copy of the source tree records clock64 at eight points of every tile (start,
K ready, products issued, S ready, maxima done, P·V retired and folded, exponentials done, P
packed) for both consumer warpgroups of two CTAs, (5, 3, 0) and (40, 17, 2) of the grid; events
4-6 exist at D = 128 only (the kernel's fold-before-exponentials path). The copy is made here
and built and run on the GPU machine; the sources are never changed.

  python3 bench/gpu/tile_trace.py instrument . .ab/trace        # here (.ab is git-excluded)
  # GPU machine (device tool, carry [".ab"]):
  #   cd .ab/trace && cmake -S . -B b -G Ninja -DCMAKE_BUILD_TYPE=Release \\
  #     -DCMAKE_CUDA_ARCHITECTURES=90a-real -DDATTN_BUILD_GPU_TIMING=ON -DDATTN_BUILD_PYTHON=OFF &&
  #   cmake --build b --target dattn_sage_timing &&
  #   TRACE=1 ./b/dattn_sage_timing --automatic 4 32 8192 128 > $OUT/trace.log
  python3 bench/gpu/tile_trace.py table trace.log               # here

The shape must give the grid those two CTAs (at least 41 x 18 x 3 of 128-row blocks, heads and
batches). Each instrumentation point is found by its source text: when the kernel changes,
`instrument` stops and names the text it no longer finds.
"""
import collections
import pathlib
import shutil
import sys

KERNEL = "src/cuda/sage_sm90/kernel_sm90.cuh"
LAUNCH = "src/cuda/sage_sm90/launch_sm90_fp8.cu"
TIMING = "bench/gpu/sage_timing.cpp"
EVENTS = ["K wait", "issue", "S wait", "maxima", "retire + fold", "exponentials", "pack"]

# (file, text to find, text to put in its place)
EDITS = [
    (KERNEL, "namespace dattn::cuda::sage_sm90 {\n",
     "namespace dattn::cuda::sage_sm90 {\n__device__ long long dattn_trace[2][2][64][8];\n"),
    (KERNEL, "  const int wg = warpgroup - 1;\n",
     "  const int wg = warpgroup - 1;\n"
     "  const int trace_cta = (blockIdx.x == 5 && blockIdx.y == 3 && blockIdx.z == 0)    ? 0\n"
     "                        : (blockIdx.x == 40 && blockIdx.y == 17 && blockIdx.z == 2) ? 1\n"
     "                                                                                    : -1;\n"
     "  const bool trace_on = trace_cta >= 0 && threadIdx.x % 128 == 0;\n"
     "#define STAMP(n, e) \\\n"
     "  do { if (trace_on && (n) < 64) dattn_trace[trace_cta][wg][(n)][(e)] = clock64(); } while (0)\n"),
    (KERNEL,
     "    scales_of(n, scale);  // before the waits, which hide the load's latency\n"
     "    sm90::mbar_wait(sm.k_full(s), (n / Tr::kStages) & 1);\n",
     "    STAMP(n, 0);\n"
     "    scales_of(n, scale);  // before the waits, which hide the load's latency\n"
     "    sm90::mbar_wait(sm.k_full(s), (n / Tr::kStages) & 1);\n"
     "    STAMP(n, 1);\n"),
    (KERNEL,
     "    sm90::wgmma_wait<kFirst ? 0 : 1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run\n"
     "    sm90::fence_registers(acc);\n",
     "    STAMP(n, 2);\n"
     "    sm90::wgmma_wait<kFirst ? 0 : 1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run\n"
     "    sm90::fence_registers(acc);\n"
     "    STAMP(n, 3);\n"),
    (KERNEL,
     "      retire_and_fold();\n"
     "      softmax.exp_int8(sc, es, shift, kBias, base, alpha);\n"
     "    } else {\n",
     "      STAMP(n, 4);\n"
     "      retire_and_fold();\n"
     "      STAMP(n, 5);\n"
     "      softmax.exp_int8(sc, es, shift, kBias, base, alpha);\n"
     "      STAMP(n, 6);\n"
     "    } else {\n"),
    (KERNEL,
     "    if constexpr (!kFirst) flash_sm90::release_buffer(sm.v_empty(prev));\n  };\n",
     "    if constexpr (!kFirst) flash_sm90::release_buffer(sm.v_empty(prev));\n    STAMP(n, 7);\n  };\n"),
    (TIMING, "int main(int argc, char** argv) {\n",
     "void dattn_trace_dump();\nint main(int argc, char** argv) {\n"),
    (TIMING, "  return 0;\n}\n", '  if (std::getenv("TRACE")) dattn_trace_dump();\n  return 0;\n}\n'),
]

DUMP = r'''
#include <cstdio>
// tile_trace.py: prints the stamps of the fp8 kernels of this file (the last one run).
void dattn_trace_dump() {
  static long long h[2][2][64][8];
  cudaMemcpyFromSymbol(h, dattn::cuda::sage_sm90::dattn_trace, sizeof(h));
  for (int c = 0; c < 2; ++c)
    for (int w = 0; w < 2; ++w)
      for (int n = 0; n < 64; ++n) {
        std::printf("TRACE %d %d %d", c, w, n);
        for (int e = 0; e < 8; ++e) std::printf(" %lld", h[c][w][n][e]);
        std::printf("\n");
      }
}
'''


def instrument(src, dst):
    src, dst = pathlib.Path(src).resolve(), pathlib.Path(dst).resolve()
    if dst.exists():
        shutil.rmtree(dst)
    skip = shutil.ignore_patterns(".git", ".ab", "build*", "__pycache__")
    shutil.copytree(src, dst, ignore=skip)
    for name, old, new in EDITS:
        path = dst / name
        text = path.read_text()
        if text.count(old) != 1:
            sys.exit(f"tile_trace.py: {name} no longer contains exactly once:\n{old}")
        path.write_text(text.replace(old, new))
    with open(dst / LAUNCH, "a") as f:
        f.write(DUMP)
    print(f"instrumented copy in {dst}")


def table(log):
    stamps = collections.defaultdict(dict)  # (cta, wg) -> tile -> 8 clocks
    for line in open(log):
        if line.startswith("TRACE"):
            f = line.split()
            c, w, n = map(int, f[1:4])
            stamps[(c, w)][n] = list(map(int, f[4:12]))
    tiles = [n for n in range(64) if all(stamps[(c, w)].get(n, [0])[0] for c in (0, 1) for w in (0, 1))]
    if len(tiles) < 12:
        sys.exit("tile_trace.py: fewer than 12 traced tiles (is the shape large enough?)")
    steady = tiles[4:-4]  # leave out the first and last tiles
    print(f"Means over tiles {steady[0]}-{steady[-1]}, cycles (clock64):")
    print("| CTA / warpgroup | " + " | ".join(EVENTS) + " | period |")
    print("|---|" + "---:|" * (len(EVENTS) + 1))
    for c in (0, 1):
        for w in (0, 1):
            rows = stamps[(c, w)]
            cells = []
            for e in range(7):  # "-" where an event was not recorded (D = 64: events 4-6)
                if all(rows[n][e] and rows[n][e + 1] for n in steady):
                    cells.append(f"{sum(rows[n][e + 1] - rows[n][e] for n in steady) / len(steady):.0f}")
                else:
                    cells.append("-")
            period = (rows[steady[-1]][0] - rows[steady[0]][0]) / (len(steady) - 1)
            print(f"| {c} / {w} | " + " | ".join(cells) + f" | {period:.0f} |")
    for c in (0, 1):
        offsets = [stamps[(c, 1)][n][0] - stamps[(c, 0)][n][0] for n in steady]
        print(f"CTA {c}: warpgroup 1 starts its tiles {min(offsets)} to {max(offsets)} cycles after "
              f"warpgroup 0 (mean {sum(offsets) // len(offsets)})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "instrument":
        instrument(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)
