#!/usr/bin/env python3
"""Per-tile trace of a Hopper kernel: where each consumer warpgroup's cycles go, tile by tile.
Not a benchmark: the stamps slow a kernel by a few per cent.

An instrumented copy of the source tree records clock64 at eight points of tiles of both
consumer warpgroups of chosen CTAs; the copy is made here, built and run on the GPU machine,
and the sources are never changed. Each point is found by its source text: when a kernel
changes, `instrument` stops and names the text it no longer finds.

  sage: the sage_attn kernel with fp8 P·V, CTAs (5, 3, 0) and (40, 17, 2) of its grid, their
        first 64 tiles (the shape must give the grid those CTAs: at least 41 x 18 x 3 of
        128-row blocks, heads and batches, e.g. 4 32 8192 128). Events 4-6 exist at D = 128 only.
  fa:   the persistent fa kernel at D = 128 (128-key tiles), CTA 5, its first 512 tiles counted
        over its work items; an item's first tile (the boundary) also finishes the item before.

  python3 bench/gpu/tile_trace.py instrument {sage|fa} . .ab/trace      # here (.ab is git-excluded)
  # GPU machine (device tool, carry [".ab"]):
  #   cd .ab/trace && cmake -S . -B b -G Ninja -DCMAKE_BUILD_TYPE=Release \\
  #     -DCMAKE_CUDA_ARCHITECTURES=90a-real -DDATTN_BUILD_GPU_TIMING=ON -DDATTN_BUILD_PYTHON=OFF &&
  #   sage: cmake --build b --target dattn_sage_timing &&
  #         TRACE=1 ./b/dattn_sage_timing --automatic 4 32 8192 128 > $OUT/trace.log
  #   fa:   cmake --build b --target dattn_fa_sm90_bench &&
  #         TRACE=1 ./b/dattn_fa_sm90_bench 4 32 1024 128 > $OUT/trace.log
  python3 bench/gpu/tile_trace.py table sage trace.log
  python3 bench/gpu/tile_trace.py table fa trace.log TILES_PER_ITEM    # 8 at (4, 32, 1024, 128)
"""
import collections
import pathlib
import shutil
import statistics
import sys

# The stamp macro both kernels get: STAMP(slot, tile, event) into dattn_trace[slot][tile][event]
# when `trace_slot` (the traced CTA and warpgroup, or -1) says so.
STAMP = ("#define STAMP(slot, n, e) \\\n"
         "  do { if ((slot) >= 0 && (n) < kTraceTiles) dattn_trace[(slot)][(n)][(e)] = clock64(); } while (0)\n")


def dump(namespace, timing_name):
    """The host function appended to the translation unit that instantiates the kernel."""
    return r'''
// tile_trace.py: prints the stamps of the kernel this file instantiates (its last launch).
void %s() {
  static long long h[kTraceSlots][kTraceTiles][8];
  cudaMemcpyFromSymbol(h, %s::dattn_trace, sizeof(h));
  for (int s = 0; s < kTraceSlots; ++s)
    for (int n = 0; n < kTraceTiles; ++n) {
      std::printf("TRACE %%d %%d", s, n);
      for (int e = 0; e < 8; ++e) std::printf(" %%lld", h[s][n][e]);
      std::printf("\n");
    }
}
''' % (timing_name, namespace)


def buffer(slots, tiles):
    return (f"constexpr int kTraceSlots = {slots}, kTraceTiles = {tiles};\n"
            "__device__ long long dattn_trace[kTraceSlots][kTraceTiles][8];\n")


SAGE_K = "src/cuda/sage_sm90/kernel_sm90.cuh"
FA_K = "src/cuda/fa_sm90/flash_fwd_kernel_sm90.h"
KERNELS = {
    "sage": {
        "kernel": SAGE_K,
        "buffer": (4, 64),  # slots, tiles
        "launch": "src/cuda/sage_sm90/launch_sm90_fp8.cu",
        "timing": "bench/gpu/sage_timing.cpp",
        "namespace": "dattn::cuda::sage_sm90",
        "slots": "slot = 2 * CTA + warpgroup, CTAs (5, 3, 0) and (40, 17, 2)",
        "events": ["K wait", "issue", "S wait", "maxima", "retire + fold", "exponentials", "pack"],
        "edits": [
            (SAGE_K, "  const int wg = warpgroup - 1;\n",
             "  const int wg = warpgroup - 1;\n"
             "  const int trace_cta = (blockIdx.x == 5 && blockIdx.y == 3 && blockIdx.z == 0)    ? 0\n"
             "                        : (blockIdx.x == 40 && blockIdx.y == 17 && blockIdx.z == 2) ? 1\n"
             "                                                                                    : -1;\n"
             "  const int trace_slot = trace_cta >= 0 && threadIdx.x % 128 == 0 ? 2 * trace_cta + wg : -1;\n"
             + STAMP),
            (SAGE_K,
             "    scales_of(n, scale);  // before the waits, which hide the load's latency\n"
             "    sm90::mbar_wait(sm.k_full(s), (n / Tr::kStages) & 1);\n",
             "    STAMP(trace_slot, n, 0);\n"
             "    scales_of(n, scale);  // before the waits, which hide the load's latency\n"
             "    sm90::mbar_wait(sm.k_full(s), (n / Tr::kStages) & 1);\n"
             "    STAMP(trace_slot, n, 1);\n"),
            (SAGE_K,
             "    sm90::wgmma_wait<kFirst ? 0 : 1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run\n"
             "    sm90::fence_registers(acc);\n",
             "    STAMP(trace_slot, n, 2);\n"
             "    sm90::wgmma_wait<kFirst ? 0 : 1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run\n"
             "    sm90::fence_registers(acc);\n"
             "    STAMP(trace_slot, n, 3);\n"),
            (SAGE_K,
             "      retire_and_fold();\n"
             "      softmax.template exp_int8<!Tr::kSumsByMma>(sc, es, shift, kBias, base, alpha);\n"
             "    } else {\n",
             "      STAMP(trace_slot, n, 4);\n"
             "      retire_and_fold();\n"
             "      STAMP(trace_slot, n, 5);\n"
             "      softmax.template exp_int8<!Tr::kSumsByMma>(sc, es, shift, kBias, base, alpha);\n"
             "      STAMP(trace_slot, n, 6);\n"
             "    } else {\n"),
            (SAGE_K,
             "    if constexpr (!kFirst) flash_sm90::release_buffer(sm.v_empty(prev));\n  };\n",
             "    if constexpr (!kFirst) flash_sm90::release_buffer(sm.v_empty(prev));\n"
             "    STAMP(trace_slot, n, 7);\n  };\n"),
        ],
    },
    "fa": {
        "kernel": FA_K,
        "buffer": (2, 512),
        "launch": "src/cuda/fa_sm90/instantiations/fa_sm90_hdim128_bf16.cu",
        "timing": "bench/gpu/fa_sm90_bench.cu",
        "namespace": "dattn::cuda::flash_sm90",
        "slots": "slot = warpgroup of CTA 5",
        "events": ["K wait", "turn wait", "issue", "S wait", "softmax", "P·V wait", "pack"],
        "boundary": ["Q+K wait", "turn wait", "issue", "S+P·V wait", "softmax", "pack", "epilogue"],
        "edits": [
            (FA_K, "    const sm90::WarpgroupTurns turns{wg};\n",
             "    const sm90::WarpgroupTurns turns{wg};\n"
             "    const int trace_slot = blockIdx.x == 5 && threadIdx.x % 128 == 0 ? wg : -1;\n" + STAMP),
            (FA_K,
             "      sm90::mbar_wait(sm.q_full(0), 0);\n"
             "      sm90::mbar_wait(sm.k_full(0), 0);\n"
             "      turns.wait_turn();\n",
             "      STAMP(trace_slot, 0, 0);\n"
             "      sm90::mbar_wait(sm.q_full(0), 0);\n"
             "      sm90::mbar_wait(sm.k_full(0), 0);\n"
             "      STAMP(trace_slot, 0, 1);\n"
             "      turns.wait_turn();\n"),
            (FA_K,
             "        sm90::mbar_wait(sm.k_full(s), (g / kStages) & 1);\n"
             "        turns.wait_turn();\n",
             "        STAMP(trace_slot, g, 0);\n"
             "        sm90::mbar_wait(sm.k_full(s), (g / kStages) & 1);\n"
             "        STAMP(trace_slot, g, 1);\n"
             "        turns.wait_turn();\n"
             "        STAMP(trace_slot, g, 2);\n"),
            (FA_K,
             "        turns.pass_turn(n == last_turn);\n"
             "        sm90::wgmma_wait<1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run\n"
             "        sm90::fence_registers(sc);\n",
             "        turns.pass_turn(n == last_turn);\n"
             "        STAMP(trace_slot, g, 3);\n"
             "        sm90::wgmma_wait<1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run\n"
             "        sm90::fence_registers(sc);\n"
             "        STAMP(trace_slot, g, 4);\n"),
            (FA_K,
             "        scores_to_p(sc, n, alpha);\n"
             "        sm90::wgmma_wait<0>();\n"
             "        sm90::fence_registers(o);\n"
             "        sm90::fence_registers(pa);  // P stayed in its registers until its product retired\n",
             "        scores_to_p(sc, n, alpha);\n"
             "        STAMP(trace_slot, g, 5);\n"
             "        sm90::wgmma_wait<0>();\n"
             "        sm90::fence_registers(o);\n"
             "        sm90::fence_registers(pa);  // P stayed in its registers until its product retired\n"
             "        STAMP(trace_slot, g, 6);\n"),
            (FA_K,
             "        Softmax::rescale(o, alpha);\n"
             "        pack_p(sc);\n"
             "      }\n",
             "        Softmax::rescale(o, alpha);\n"
             "        pack_p(sc);\n"
             "        STAMP(trace_slot, g, 7);\n"
             "      }\n"),
            (FA_K,
             "      sm90::mbar_wait(sm.q_full(j % Traits::kQBuffers), (j / Traits::kQBuffers) & 1);\n"
             "      sm90::mbar_wait(sm.k_full(s), (g / kStages) & 1);\n"
             "      turns.wait_turn();\n",
             "      STAMP(trace_slot, g, 0);\n"
             "      sm90::mbar_wait(sm.q_full(j % Traits::kQBuffers), (j / Traits::kQBuffers) & 1);\n"
             "      sm90::mbar_wait(sm.k_full(s), (g / kStages) & 1);\n"
             "      STAMP(trace_slot, g, 1);\n"
             "      turns.wait_turn();\n"
             "      STAMP(trace_slot, g, 2);\n"),
            (FA_K,
             "      Consumer::issue_pv(o, pa, sm.v(prev));\n"
             "      turns.pass_turn(last_turn == 0);\n"
             "      sm90::wgmma_wait<0>();\n",
             "      Consumer::issue_pv(o, pa, sm.v(prev));\n"
             "      turns.pass_turn(last_turn == 0);\n"
             "      STAMP(trace_slot, g, 3);\n"
             "      sm90::wgmma_wait<0>();\n"
             "      STAMP(trace_slot, g, 4);\n"),
            (FA_K,
             "      scores_to_p(sc, 0, alpha);  // O starts from zero: alpha needs no applying\n"
             "      pack_p(sc);\n"
             "      finish_item(done, inv_sum, row_lse);  // after S_0 is packed: fewer registers live\n",
             "      scores_to_p(sc, 0, alpha);  // O starts from zero: alpha needs no applying\n"
             "      STAMP(trace_slot, g, 5);\n"
             "      pack_p(sc);\n"
             "      STAMP(trace_slot, g, 6);\n"
             "      finish_item(done, inv_sum, row_lse);  // after S_0 is packed: fewer registers live\n"
             "      STAMP(trace_slot, g, 7);\n"),
        ],
    },
}


def instrument(kind, src, dst):
    k = KERNELS[kind]
    src, dst = pathlib.Path(src).resolve(), pathlib.Path(dst).resolve()
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".git", ".ab", "build*", "__pycache__"))
    timing = k["timing"]
    opening = f"namespace {k['namespace']} {{\n"  # the stamps' buffer goes first in the kernel's namespace
    edits = [(k["kernel"], opening, opening + buffer(*k["buffer"]))] + k["edits"] + [
        (timing, "int main(int argc, char** argv) {\n", "void dattn_trace_dump();\nint main(int argc, char** argv) {\n"),
        (timing, "  return 0;\n}\n", '  if (std::getenv("TRACE")) dattn_trace_dump();\n  return 0;\n}\n'),
    ]
    for name, old, new in edits:
        path = dst / name
        text = path.read_text()
        if text.count(old) != 1:
            sys.exit(f"tile_trace.py: {name} no longer contains exactly once:\n{old}")
        path.write_text(text.replace(old, new))
    (dst / timing).write_text("#include <cstdlib>\n" + (dst / timing).read_text())
    with open(dst / k["launch"], "a") as f:
        f.write(f"#include <cstdio>\nnamespace {k['namespace']} {{\n{dump(k['namespace'], 'dump_trace')}}}\n"
                f"void dattn_trace_dump() {{ {k['namespace']}::dump_trace(); }}\n")
    print(f"instrumented copy ({kind}: {k['slots']}) in {dst}")


def read(log):
    stamps = collections.defaultdict(dict)  # slot -> tile -> 8 clocks
    for line in open(log):
        if line.startswith("TRACE"):
            f = line.split()
            values = list(map(int, f[3:11]))
            if values[0]:
                stamps[int(f[1])][int(f[2])] = values
    return stamps


def means(rows, tiles, names):
    """Mean cycles between consecutive events, '-' where an event was not recorded."""
    cells = []
    for e in range(len(names)):
        if all(rows[n][e] and rows[n][e + 1] for n in tiles):
            cells.append(f"{statistics.mean(rows[n][e + 1] - rows[n][e] for n in tiles):.0f}")
        else:
            cells.append("-")
    return cells


def table_sage(stamps):
    events = KERNELS["sage"]["events"]
    tiles = [n for n in range(64) if all(stamps[s].get(n, [0])[0] for s in range(4))]
    if len(tiles) < 12:
        sys.exit("tile_trace.py: fewer than 12 traced tiles (is the shape large enough?)")
    steady = tiles[4:-4]  # leave out the first and last tiles
    print(f"Means over tiles {steady[0]}-{steady[-1]}, cycles (clock64):")
    print("| CTA / warpgroup | " + " | ".join(events) + " | period |")
    print("|---|" + "---:|" * (len(events) + 1))
    for s in range(4):
        rows = stamps[s]
        period = (rows[steady[-1]][0] - rows[steady[0]][0]) / (len(steady) - 1)
        print(f"| {s // 2} / {s % 2} | " + " | ".join(means(rows, steady, events)) + f" | {period:.0f} |")
    for c in (0, 1):
        offsets = [stamps[2 * c + 1][n][0] - stamps[2 * c][n][0] for n in steady]
        print(f"CTA {c}: warpgroup 1 starts its tiles {min(offsets)} to {max(offsets)} cycles after "
              f"warpgroup 0 (mean {sum(offsets) // len(offsets)})")


def table_fa(stamps, per_item):
    k = KERNELS["fa"]
    tiles = sorted(set(stamps[0]) & set(stamps[1]))
    print(f"CTA 5, tiles {tiles[0]}-{tiles[-1]} of its items ({per_item} tiles each); mean cycles (clock64):")
    print("| warpgroup, tiles | events | period |")
    print("|---|---|---:|")
    notes = []
    for w in (0, 1):
        rows = stamps[w]
        kinds = [("steady", k["events"], lambda n: n % per_item not in (0, 1)),
                 ("item's first (boundary)", k["boundary"], lambda n: n % per_item == 0),
                 ("item's second", k["events"], lambda n: n % per_item == 1)]
        for label, names, pick in kinds:
            chosen = [n for n in tiles if n >= per_item and pick(n) and n + 1 in rows]
            if not chosen:
                continue
            cells = means(rows, chosen, names)
            period = statistics.mean(rows[n + 1][0] - rows[n][0] for n in chosen)
            events = ", ".join(f"{name} {cell}" for name, cell in zip(names, cells))
            print(f"| {w}, {label} ({len(chosen)}) | {events} | {period:.0f} |")
        starts = [rows[n][0] for n in tiles if n % per_item == 0 and n > 0]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        if gaps:
            notes.append(f"warpgroup {w}: item period {statistics.mean(gaps):.0f} cycles ({len(gaps)} items)")
    print("\n".join(notes))


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "instrument" and args[1] in KERNELS:
        instrument(args[1], args[2], args[3])
    elif len(args) == 3 and args[:2] == ["table", "sage"]:
        table_sage(read(args[2]))
    elif len(args) == 4 and args[:2] == ["table", "fa"]:
        table_fa(read(args[2]), int(args[3]))
    else:
        sys.exit(__doc__)
