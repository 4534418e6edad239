// The Hopper (sm_90a) sage_attn kernel: fa_sm90's structure on sage's packed operands
// (quant/layout.h). One CTA per (Tr::kBlockM query rows, head, batch): warpgroup 0 gives up
// its registers and one of its threads streams Q once and K/V tiles through TMA; the consumer
// warpgroups (two, or three at D = 64: traits_sm90.h) each own 64 query rows and run
//   S = Q·Kᵀ   INT8 wgmma (IGMMA), exact int32, scaled by q_scale · k_scale to log2 units;
//   P          base-2 online softmax (fp8: P scaled by 448 to fill e4m3's range);
//   O_t = P·V  fp8 (QGMMA, V^T K-major) or f16 (HGMMA, V N-major) wgmma into a fresh
//              accumulator per tile, added to the fp32 O afterwards: the two-level
//              accumulation of DESIGN.md.
// Softmax of tile n runs while P·V of tile n-1 is still on the tensor cores; two consumers
// start half a period apart (sm90::WarpgroupStagger), three run free (traits_sm90.h).
// FP8 tensor-core sums accumulate in a 22-bit float (13 mantissa bits), hence the fresh
// accumulator per tile.
#pragma once

#include <cuda.h>

#include <climits>
#include <cstdint>
#include <type_traits>

#include "cuda/common/pdl.h"
#include "cuda/fa_sm90/epilogue_sm90.h"
#include "cuda/fa_sm90/mainloop_sm90.h"
#include "cuda/fa_sm90/ptx_sm90.h"
#include "cuda/fa_sm90/softmax_sm90.h"
#include "cuda/fa_sm90/wgmma_ops.h"
#include "cuda/sage/epilogue.cuh"
#include "cuda/sage/mma_int8_fp8.h"
#include "cuda/sage_sm90/traits_sm90.h"
#include "cuda/sage_sm90/wgmma_8bit.h"

namespace dattn::cuda::sage_sm90 {

// The TMA descriptors over the packed operands, and over out where o_by_tma (sage_sm90.cu:
// out meets TMA's rules and head_dim is the padded one); __grid_constant__ kernel parameters.
struct TensorMaps {
  CUtensorMap q, k, v, o;
  int o_by_tma;
};

// The output rows of a consumer warpgroup through shared memory and TMA stores
// (flash_sm90::OStagingSm90): the values (and LSE) of sage_mma::for_each_output. TMA skips the
// rows past seq_q. One item per CTA: the staging is written once, and read by TMA before the
// CTA exits.
template <class T, class Tr>
__device__ __forceinline__ void store_output_tma(const TensorMaps& tm, const sage_mma::Params& p,
                                                 const float (&o)[Tr::kDp / 8][4], const float (&m)[2],
                                                 const float (&row_sum)[2], const flash_sm90::TileCoord& tc, int wg,
                                                 int row, uint32_t staging) {
  const flash_sm90::OStagingSm90<Tr::kDp / 64, 64 * 128> st{staging};
  sage_mma::for_each_output<T, Tr::kDp, Tr::kFp8>(
      p, o, m, row_sum, tc.batch, tc.head, row, [&](int r, int j, float x0, float x1) {
        sm90::st_shared_u32(st.at(st.first_row + 8 * r, j), sm80::pack2<T>(x0, x1));
      });
  // The staging stays valid until TMA has read it.
  st.template store</*kWaitRead=*/true>(&tm.o, sm90::WarpgroupBarrier{wg}, tc.m0 + wg * 64, tc.head, tc.batch);
}

template <class Tr>
struct Producer {
  static __device__ void run(const flash_sm90::SmemSm90<Tr>& sm, const TensorMaps& tm, const flash_sm90::TileCoord& tc,
                             int n_tiles) {
    sm90::tma_prefetch_descriptor(&tm.q);
    sm90::tma_prefetch_descriptor(&tm.k);
    sm90::tma_prefetch_descriptor(&tm.v);
    sm90::mbar_arrive_expect_tx(sm.q_full(), Tr::kQBytes);
    sm90::tma_load_4d(sm.q(), &tm.q, sm.q_full(), 0, tc.m0, tc.head, tc.batch);
    flash_sm90::stream_kv_tiles(
        sm, n_tiles,
        [&](int s, int key0) { sm90::tma_load_4d(sm.k(s), &tm.k, sm.k_full(s), 0, key0, tc.head_kv, tc.batch); },
        [&](int s, int key0) {
          if constexpr (Tr::kFp8) {
            sm90::tma_load_4d(sm.v(s), &tm.v, sm.v_full(s), key0, 0, tc.head_kv, tc.batch);  // V^T: keys innermost
          } else {
#pragma unroll
            for (int c = 0; c < Tr::kVColBlocks; ++c) {
              sm90::tma_load_4d(sm.v(s) + c * Tr::kVColBlockBytes, &tm.v, sm.v_full(s), 64 * c, key0, tc.head_kv,
                                tc.batch);
            }
          }
        });
  }
};

template <class Tr>
struct Consumer {
  static constexpr int kNBlocksS = Tr::kBlockN / 8;
  static constexpr int kNBlocksO = Tr::kDp / 8;
  // P as wgmma A fragments: fp8 one per k32 step, f16 one per k16 step.
  static constexpr int kPSteps = Tr::kFp8 ? Tr::kBlockN / 32 : Tr::kBlockN / 16;

  // Descriptors of the operand tiles: built once per CTA; a stage's is desc_advance'd from
  // stage 0's (one add in the loop instead of a chain of uniform-datapath shifts and masks).
  static __device__ __forceinline__ uint64_t qk_desc(uint32_t tile) {
    return sm90::smem_desc<Tr::kQKSwizzle>(tile, 16, Tr::kQKAtomBytes);
  }
  // fp8: V^T K-major, 32 keys per k step; f16: V N-major, 64-column blocks kVColBlockBytes apart.
  static __device__ __forceinline__ uint64_t v_desc(uint32_t tile) {
    return sm90::smem_desc<128>(tile, Tr::kFp8 ? 16 : Tr::kVColBlockBytes, 1024);
  }

  // S = Q·Kᵀ for this warpgroup's 64 rows as one wgmma group (Tr::kBiasedScores: added to
  // the bias s holds).
  static __device__ __forceinline__ void issue_qk(int (&s)[kNBlocksS][4], uint64_t da0, uint64_t db0) {
    sm90::wgmma_fence();
#pragma unroll
    for (int j = 0; j < Tr::kDp / 32; ++j) {
      sm90::wgmma_s8_ss_m64n128(s, sm90::desc_advance(da0, 32 * j), sm90::desc_advance(db0, 32 * j),
                                Tr::kBiasedScores || j > 0);
    }
    sm90::wgmma_commit();
  }

  // P·V as one wgmma group: fp8 (two-level) acc = P·V, a fresh O_t; f16 acc = O += P·V.
  // sums = P's row sums (each of its 8 columns), beside acc (traits_sm90.h kVSumBytes).
  static __device__ __forceinline__ void issue_pv(float (&acc)[kNBlocksO][4], float (&sums)[1][4],
                                                  uint32_t (&p)[kPSteps][4], uint64_t db0) {
    static_assert(Tr::kFp8 == Tr::kTwoLevel, "fp8 P·V is the two-level one");
    sm90::fence_registers(acc);
    sm90::fence_registers(sums);
    sm90::fence_registers(p);  // P's conversions all land before the wgmma fence
    sm90::wgmma_fence();
#pragma unroll
    for (int j = 0; j < kPSteps; ++j) {
      if constexpr (Tr::kFp8) {
        const uint64_t db = sm90::desc_advance(db0, 32 * j);
        if constexpr (Tr::kDp == 128) {
          sm90::wgmma_e4m3_rs_m64n136(acc, sums, p[j], db, j > 0);
        } else {
          sm90::wgmma_e4m3_rs_m64n72(acc, sums, p[j], db, j > 0);
        }
      } else {
        const uint64_t db = sm90::desc_advance(db0, j * 16 * 128);
        if constexpr (Tr::kDp == 128) {
          sm90::wgmma_f16_rs_m64n136(acc, sums, p[j], db);
        } else {
          sm90::wgmma_f16_rs_m64n72(acc, sums, p[j], db);
        }
      }
    }
    sm90::wgmma_commit();
  }

  // Probabilities to A fragments. fp8: bytes 4t..4t+3 of a k32 step hold keys 2t, 2t+1,
  // 2t+8, 2t+9 of each 16, the order quant::kv_position stored V^T's keys in. f16: pairs.
  static __device__ __forceinline__ void pack_p(const float (&sc)[kNBlocksS][4], uint32_t (&p)[kPSteps][4]) {
#pragma unroll
    for (int k = 0; k < kPSteps; ++k) {
      if constexpr (Tr::kFp8) {
        const int j = 4 * k;
        p[k][0] = sage_mma::pack_e4m3x4(sc[j][0], sc[j][1], sc[j + 1][0], sc[j + 1][1]);
        p[k][1] = sage_mma::pack_e4m3x4(sc[j][2], sc[j][3], sc[j + 1][2], sc[j + 1][3]);
        p[k][2] = sage_mma::pack_e4m3x4(sc[j + 2][0], sc[j + 2][1], sc[j + 3][0], sc[j + 3][1]);
        p[k][3] = sage_mma::pack_e4m3x4(sc[j + 2][2], sc[j + 2][3], sc[j + 3][2], sc[j + 3][3]);
      } else {
        p[k][0] = sm80::pack2<__half>(sc[2 * k][0], sc[2 * k][1]);
        p[k][1] = sm80::pack2<__half>(sc[2 * k][2], sc[2 * k][3]);
        p[k][2] = sm80::pack2<__half>(sc[2 * k + 1][0], sc[2 * k + 1][1]);
        p[k][3] = sm80::pack2<__half>(sc[2 * k + 1][2], sc[2 * k + 1][3]);
      }
    }
  }

  // Two-level: O holds tiles < n-1 at row max m_{n-2}, O_t tile n-1 at m_{n-1}, and
  // alpha = exp2(m_{n-2} - m_{n-1}) (tile n-1's factor): O = O · alpha + O_t, at m_{n-1}.
  // One FMA per element and no branch, so it can sit among the next tile's exponentials.
  template <int kBlocks>
  static __device__ __forceinline__ void fold_tile(float (&o)[kBlocks][4], const float (&ot)[kBlocks][4],
                                                   const float (&alpha)[2]) {
#pragma unroll
    for (int i = 0; i < kBlocks; ++i) {
#pragma unroll
      for (int e = 0; e < 4; ++e) o[i][e] = fmaf(o[i][e], alpha[e / 2], ot[i][e]);
    }
  }
  // Two-level O and the row sums folded alike.
  static __device__ __forceinline__ void fold(float (&o)[kNBlocksO][4], const float (&ot)[kNBlocksO][4],
                                              float (&osum)[1][4], const float (&otsum)[1][4], const float (&alpha)[2]) {
    fold_tile(o, ot, alpha);
    fold_tile(osum, otsum, alpha);
  }
};

template <class T, class Tr, bool kCausal>
__global__ void __launch_bounds__(Tr::kThreads, 1)
    sage_sm90_kernel(const __grid_constant__ TensorMaps tm, const __grid_constant__ sage_mma::Params p) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using C = Consumer<Tr>;
  constexpr int kBlockM = Tr::kBlockM;
  constexpr int kBlockN = Tr::kBlockN;
  constexpr int kNBlocksS = C::kNBlocksS;
  constexpr int kNBlocksO = C::kNBlocksO;
  using Softmax = flash_sm90::OnlineSoftmaxSm90<kNBlocksS, kNBlocksO>;

  extern __shared__ __align__(16) unsigned char smem_raw[];
  const flash_sm90::SmemSm90<Tr> sm{(sm90::smem_u32(smem_raw) + 1023u) & ~1023u};

  // Causal: the last query tiles see the most keys; starting them first shortens the tail.
  const int m_block = kCausal ? static_cast<int>(gridDim.x - 1 - blockIdx.x) : static_cast<int>(blockIdx.x);
  const int head = blockIdx.y;
  const int heads_q = static_cast<int>(p.heads_q), heads_kv = static_cast<int>(p.heads_kv);
  const flash_sm90::TileCoord tc{m_block * kBlockM, head, head / (heads_q / heads_kv), static_cast<int>(blockIdx.z)};
  const int seq_q = static_cast<int>(p.seq_q), seq_kv = static_cast<int>(p.seq_kv);
  const flash_sm90::KeyTiles keys = flash_sm90::KeyTiles::of(tc.m0, kBlockM, kBlockN, seq_q, seq_kv, kCausal);
  const int n_tiles = keys.count, first_masked_tile = keys.first_masked;

  const int warpgroup = sm90::warpgroup_index();
  if (threadIdx.x == 0) sm.init_barriers();
  // The ones after each V buffer, whose products are P's row sums.
  for (int i = threadIdx.x; i < Tr::kStages * Tr::kVSumBytes / 4; i += Tr::kThreads) {
    const int stage = i / (Tr::kVSumBytes / 4);
    sm90::st_shared_u32(sm.v(stage) + Tr::kVTileBytes + 4 * (i % (Tr::kVSumBytes / 4)), Tr::kVSumWord);
  }
  sm90::fence_proxy_async_smem();
  __syncthreads();
  pdl_wait();  // launched as a dependent of the quantizer (common/pdl.h): its outputs from here on

  if (warpgroup == 0) {
    sm90::regs_release<Tr::kProducerRegs>();
    if (threadIdx.x == 0 && n_tiles > 0) Producer<Tr>::run(sm, tm, tc, n_tiles);
    return;  // nothing CTA-wide follows: a later __syncthreads would need this warpgroup too
  }
  sm90::regs_claim<Tr::kConsumerRegs>();
  const int wg = warpgroup - 1;
  const int warp_row = wg * 64 + (threadIdx.x / 32 % 4) * 16 + threadIdx.x % 32 / 4;
  const int row = tc.m0 + warp_row;
  const int64_t bh_q = int64_t(tc.batch) * heads_q + head;
  // A warpgroup whose rows all lie past sq_pad (the last tile of 192-row CTAs) reads the last
  // scale: its rows are zeros and never stored.
  const int64_t q_blocks = p.sq_pad / dattn::sage::kQBlock;
  const float q_scale =
      p.q_scale[bh_q * q_blocks + min(static_cast<int64_t>((tc.m0 + wg * 64) / dattn::sage::kQBlock), q_blocks - 1)];
  const float* k_scale =
      p.k_scale + (int64_t(tc.batch) * heads_kv + tc.head_kv) * (p.sk_pad / dattn::sage::kKBlock);
  constexpr float kBias = Tr::kFp8 ? sage_mma::kLog2Fp8Max : 0.0f;

  float o[kNBlocksO][4], ot[kNBlocksO][4];  // ot: P·V of one tile (two-level only)
  float osum[1][4], otsum[1][4];            // the row sums beside o and ot
#pragma unroll
  for (int i = 0; i < kNBlocksO; ++i) {
#pragma unroll
    for (int e = 0; e < 4; ++e) o[i][e] = ot[i][e] = 0.0f;
  }
#pragma unroll
  for (int e = 0; e < 4; ++e) osum[0][e] = otsum[0][e] = 0.0f;
  Softmax softmax;
  uint32_t pa[C::kPSteps][4];
  float alpha_prev[2];  // the factor of the tile whose P·V is in flight (two-level fold)
  const uint64_t q_desc = C::qk_desc(sm.q() + wg * 64 * Tr::kDp);
  const uint64_t k_desc0 = C::qk_desc(sm.k(0)), v_desc0 = C::v_desc(sm.v(0));
  const auto k_desc = [&](int stage) { return sm90::desc_advance(k_desc0, stage * Tr::kKTileBytes); };
  const auto v_desc = [&](int stage) { return sm90::desc_advance(v_desc0, stage * Tr::kVStageBytes); };

  // The mask functor max_int8 takes for tile n.
  const auto mask_of = [&](int n) {
    return [&, n](auto& values, auto hidden) {
      flash_sm90::mask_scores(values, hidden, seq_q, seq_kv, kCausal, row, n * kBlockN);
    };
  };
  // The two K scales of tile n (8-byte aligned: sk_pad / kKBlock is even) times q_scale.
  const auto scales_of = [&](int n, float (&scale)[2]) {
    const float2 ks = *reinterpret_cast<const float2*>(k_scale + 2 * n);
    scale[0] = q_scale * ks.x;
    scale[1] = q_scale * ks.y;
  };

  // The factors and shifts exp_int8 applies after max_int8: a masked tile's scores are
  // already scaled and unbiased. first_masked: tile n is masked from it on (first_masked_tile,
  // or a constant where the caller knows the answer).
  const auto exp_scales = [&](int n, int first_masked, const float (&scale)[2], float (&s)[2], float (&shift)[2]) {
    const bool masked = n >= first_masked;
    s[0] = masked ? 1.0f : scale[0];
    s[1] = masked ? 1.0f : scale[1];
    shift[0] = shift[1] = 0.0f;
    if constexpr (Tr::kBiasedScores) {
      shift[0] = masked ? 0.0f : Softmax::kIntBiasValue * scale[0];
      shift[1] = masked ? 0.0f : Softmax::kIntBiasValue * scale[1];
    }
  };
  // Tr::kBiasedScores: each tile's S accumulates onto the bias in biased_acc, which is reset as
  // soon as the tile's scores are spent. The fence keeps the 64 moves there, among the
  // exponentials: the compiler would otherwise see a constant and rebuild it just before the
  // next Q·Kᵀ, on the loop's critical path. Otherwise each tile has a fresh accumulator (one
  // carried across tiles would keep the previous S alive).
  int biased_acc[kNBlocksS][4];
  const auto reset_scores = [&] {
    if constexpr (Tr::kBiasedScores) {
#pragma unroll
      for (int i = 0; i < kNBlocksS; ++i) {
#pragma unroll
        for (int e = 0; e < 4; ++e) biased_acc[i][e] = Softmax::kIntBias;
      }
      sm90::fence_registers(biased_acc);
    }
  };
  // Retires P_{n-1}·V_{n-1}: after this, O_t (or O) and the P registers may be touched.
  const auto retire_pv = [&] {
    sm90::wgmma_wait<0>();
    sm90::fence_registers(Tr::kTwoLevel ? ot : o);
    sm90::fence_registers(Tr::kTwoLevel ? otsum : osum);
    sm90::fence_registers(pa);  // P_{n-1} stayed in its registers until its product retired
  };
  // Scores of tile n to probabilities (in sc), and (after the first tile) the previous tile's
  // P·V retired and folded into O (two-level) or O rescaled (f16). Tr::kFoldBeforeExps: the
  // retire and fold sit between the maxima and the exponentials, in the exponentials'
  // straight-line code (the branch on masking ends with the maxima), where the fold's FMAs
  // fill slots the exponential unit leaves idle. Otherwise maxima and exponentials share one
  // block, so one row's exponentials can overlap the other's maximum, and the retire follows.
  const auto softmax_tile = [&](int (&acc)[kNBlocksS][4], int n, const float (&scale)[2], float (&sc)[kNBlocksS][4],
                                bool first, int first_masked) {
    const bool masked = n >= first_masked;
    float es[2], shift[2], base[2], alpha[2];
    exp_scales(n, first_masked, scale, es, shift);
    const auto retire_and_fold = [&] {
      if (!first) {  // a constant where tile() inlines this
        retire_pv();
        if constexpr (Tr::kTwoLevel) {
          C::fold(o, ot, osum, otsum, alpha_prev);
        } else {
          Softmax::rescale(o, alpha);  // O (tiles <= n-1, at m_{n-1}) to m_n
          Softmax::rescale(osum, alpha);
        }
      }
    };
    if constexpr (Tr::kFoldBeforeExps) {
      if (masked) {
        softmax.template max_int8<true, Tr::kBiasedScores>(acc, scale, mask_of(n), sc, base, alpha);
      } else {
        softmax.template max_int8<false, Tr::kBiasedScores>(acc, scale, mask_of(n), sc, base, alpha);
      }
      retire_and_fold();
      Softmax::exp_int8(sc, es, shift, kBias, base);
    } else {
      if (masked) {
        softmax.template max_int8<true, Tr::kBiasedScores>(acc, scale, mask_of(n), sc, base, alpha);
        Softmax::exp_int8(sc, es, shift, kBias, base);
      } else {
        softmax.template max_int8<false, Tr::kBiasedScores>(acc, scale, mask_of(n), sc, base, alpha);
        Softmax::exp_int8(sc, es, shift, kBias, base);
      }
      retire_and_fold();
    }
    alpha_prev[0] = alpha[0], alpha_prev[1] = alpha[1];
  };

  // S_n = Q·K_nᵀ and P_{n-1}·V_{n-1} are in flight together; the softmax of S_n runs while the
  // tensor cores finish the second (FA3's intra-warpgroup overlap); two consumers are staggered
  // (Tr::kStagger). The first tile is peeled (kFirst) so that every wgmma wait retires a
  // statically known group.
  const auto tile = [&](int n, auto first, int first_masked) {
    constexpr bool kFirst = decltype(first)::value;
    const int s = n % Tr::kStages;
    const int prev = (n + Tr::kStages - 1) % Tr::kStages;
    int fresh_acc[kNBlocksS][4];
    int(&acc)[kNBlocksS][4] = Tr::kBiasedScores ? biased_acc : fresh_acc;
    float scale[2], sc[kNBlocksS][4];
    scales_of(n, scale);  // before the waits, which hide the load's latency
    sm90::mbar_wait(sm.k_full(s), (n / Tr::kStages) & 1);
    C::issue_qk(acc, q_desc, k_desc(s));
    if constexpr (!kFirst) {
      sm90::mbar_wait(sm.v_full(prev), ((n - 1) / Tr::kStages) & 1);
      C::issue_pv(Tr::kTwoLevel ? ot : o, Tr::kTwoLevel ? otsum : osum, pa, v_desc(prev));
    }
    sm90::wgmma_wait<kFirst ? 0 : 1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run
    sm90::fence_registers(acc);
    flash_sm90::release_buffer(sm.k_empty(s));
    softmax_tile(acc, n, scale, sc, kFirst, first_masked);
    C::pack_p(sc, pa);
    reset_scores();
    if constexpr (!kFirst) flash_sm90::release_buffer(sm.v_empty(prev));
  };
  const sm90::WarpgroupStagger<Tr::kStagger> stagger{wg};
  if (n_tiles > 0) {
    reset_scores();
    stagger.hold();
    sm90::mbar_wait(sm.q_full(), 0);
    tile(0, std::true_type{}, first_masked_tile);
    stagger.release();
    if constexpr (Tr::kSplitTileLoop && !kCausal) {
      // The unmasked tiles, then the masked one (if the keys end inside a tile): each loop
      // holds one softmax path and compares no tile index.
      constexpr int kNever = INT_MAX, kAlways = 0;
      int n = 1;
      for (const int unmasked_end = min(first_masked_tile, n_tiles); n < unmasked_end; ++n) {
        tile(n, std::false_type{}, kNever);
      }
      for (; n < n_tiles; ++n) tile(n, std::false_type{}, kAlways);
    } else {
      for (int n = 1; n < n_tiles; ++n) tile(n, std::false_type{}, first_masked_tile);
    }
    const int last = (n_tiles - 1) % Tr::kStages;
    sm90::mbar_wait(sm.v_full(last), ((n_tiles - 1) / Tr::kStages) & 1);
    C::issue_pv(Tr::kTwoLevel ? ot : o, Tr::kTwoLevel ? otsum : osum, pa, v_desc(last));
    retire_pv();
    flash_sm90::release_buffer(sm.v_empty(last));
    if constexpr (Tr::kTwoLevel) C::fold(o, ot, osum, otsum, alpha_prev);  // O at the final max
  }
  // store_output adds the quad's four partial sums; the tensor cores gave every lane the whole
  // sum, so each passes a quarter (exact: a power of two, and four equal addends).
  const float row_sum[2] = {0.25f * osum[0][0], 0.25f * osum[0][2]};
  if (tm.o_by_tma) {
    store_output_tma<T, Tr>(tm, p, o, softmax.row_max, row_sum, tc, wg, row,
                            sm.base + Tr::kOffO + wg * Tr::kOWarpgroupBytes);
  } else {
    sage_mma::store_output<T, Tr::kDp, Tr::kFp8>(p, o, softmax.row_max, row_sum, tc.batch, head, row);
  }
#endif
}

}  // namespace dattn::cuda::sage_sm90
