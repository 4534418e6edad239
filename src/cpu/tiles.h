// Tile sizes of the CPU kernels, in one place, with the reason for each.
#pragma once

#include <cstdint>

#include "core/sage_contract.h"

namespace dattn::cpu::tiles {

// fa: query rows per task. Every K and V tile is widened and packed by sgemm once per
// task, so 128 rows halve that cost per row against 64; the fp32 Q, S and O tiles
// (3 x 128 x 256 floats at D = 256: 384 KiB) still fit a core's L2, and 16 threads still
// get four tasks each at the smallest benchmarked shape (8 heads x 1024 rows).
inline constexpr int64_t kFaQRows = 128;
// fa, bf16_dot and f32_dot paths: query rows per task. Each task packs every K and V tile
// it uses (bf16_dot.h, f32_dot.h); 256 rows, amortizing that twice as well, measured within
// noise of 128 (+-3%, the benchmark shapes, 2 threads, Zen 4), and 128 keeps twice the
// tasks for many threads.
inline constexpr int64_t kFaDotQRows = 128;
// fa: keys per step. 256 makes the S = Q K^T sgemm 128 x 256 x D and the P V sgemm
// 128 x D x 256, large enough for OpenBLAS's packing to pay off, while the fp32 K and V
// tiles (2 x 256 x D floats, 512 KiB at D = 256) still fit in L2 beside the rest.
inline constexpr int64_t kFaKvRows = 256;

// sage_attn: query rows per task, a whole number of Q scale blocks. Two blocks (128 rows):
// at 64 rows the per-step P V sgemm (64 x D x 64) fell to OpenBLAS's slower small-matrix
// kernel (seen in perf), and the K / V tiles are reused by twice as many rows.
inline constexpr int64_t kSageQRows = 2 * dattn::sage::kQBlock;
static_assert(kSageQRows % dattn::sage::kQBlock == 0, "a task covers whole Q scale blocks");
// sage_attn: keys per step = the K scale block (one k_scale per step), and the span of the
// two-level P V accumulation (a fresh fp32 accumulator per step), as on the GPU.
inline constexpr int64_t kSageKvRows = dattn::sage::kKBlock;
static_assert(kSageKvRows % 16 == 0, "the VNNI score kernel handles keys in groups of 16");

// word_tiles_inl.h (fa's bf16_dot and f32_dot paths): register tile of kWordRows rows x
// kWordCols vectors of 16 fp32 lanes: 24 accumulators + 4 operand vectors + 1 broadcast of
// AVX-512's 32 registers, and each operand vector loaded once feeds 6 rows (loads stay
// under the multiply-add rate).
inline constexpr int kWordRows = 6;
inline constexpr int kWordCols = 4;

}  // namespace dattn::cpu::tiles
