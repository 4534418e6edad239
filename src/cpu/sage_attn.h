// The attention half of sage_attn, on inputs already quantized by sage_quantize (quant.h).
// Split out so that tests can run it on pre-quantized inputs and through each score path.
#pragma once

#include "core/problem.h"
#include "cpu/quant.h"
#include "cpu/sage_qk.h"

namespace dattn::cpu {

// Arithmetic, per query row and block of kSageKvRows keys (DESIGN.md, sage_contract.h):
//   s_t = float(int32 dot(q_int8, k_int8_t)) * (q_scale * k_scale)    (log2 units)
//   m'  = max(m, max_t s_t);  alpha = exp2(m - m')
//   fp8: p_t = exp2(s_t - m' + log2(448)), P_t = e4m3(p_t);  f16: p_t = exp2(s_t - m'),
//        P_t = fp16(p_t)
//   l   = l * alpha + sum_t p_t            (the unrounded p)
//   O   = O * alpha + (sum_t P_t * V_t)    (a fresh fp32 accumulator per block)
// and at the end out = O / l (* v_scale per channel for fp8), cast to the output dtype;
// LSE = ln 2 * (m + log2 l [- log2 448 for fp8]) + sm_scale * q.k_mean. A row that sees no
// key gets 0 and LSE -inf. Writes p.out and p.lse (if non-null); reads p.q for the LSE.
void sage_attn_quantized(const dattn_problem& p, const SageQuantized& z, QkPath path);

}  // namespace dattn::cpu
