// Tile sizes of the CPU kernels, in one place, with the reason for each.
#pragma once

#include <cstdint>

#include "core/sage_contract.h"

namespace dattn::cpu::tiles {

// fa: query rows per task. 64 rows keep the fp32 Q, S and O tiles (64 x 256, 64 x 256,
// 64 x 256 at D = 256: 192 KiB) inside a core's L2, and B*H*Sq/64 tasks still give 16
// threads several tasks each at the smallest benchmarked shape (8 heads x 1024 rows = 128).
inline constexpr int64_t kFaQRows = 64;
// fa: keys per step. 256 makes the S = Q K^T sgemm 64 x 256 x D and the P V sgemm
// 64 x D x 256, large enough for OpenBLAS's packing to pay off, while the fp32 K and V
// tiles (2 x 256 x D floats, 512 KiB at D = 256) still fit in L2 beside the rest.
inline constexpr int64_t kFaKvRows = 256;

// sage_attn: query rows per task = the Q scale block, so one task uses one q_scale.
inline constexpr int64_t kSageQRows = dattn::sage::kQBlock;
// sage_attn: keys per step = the K scale block (one k_scale per step), and the span of the
// two-level P V accumulation (a fresh fp32 accumulator per step), as on the GPU.
inline constexpr int64_t kSageKvRows = dattn::sage::kKBlock;
static_assert(kSageKvRows % 16 == 0, "the VNNI score kernel handles keys in groups of 16");

}  // namespace dattn::cpu::tiles
