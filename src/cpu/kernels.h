// CPU kernels. Each takes a validated problem (shapes, strides and pointers already checked
// by the core) and writes out (and lse when non-null). Multithreaded with OpenMP.
#pragma once

#include <string>

#include "core/problem.h"
#include "dattn/types.h"

namespace dattn::cpu {

// Exact attention, fp32 accumulation, one query row at a time: simple and obviously right.
void sdpa(const dattn_problem& p);
// Tiled online softmax, fp32 accumulation, block products through BLAS.
void fa(const dattn_problem& p);
// SageAttention2 numerics (sage_contract.h); p.sage_pv is fp8 or f16.
void sage_attn(const dattn_problem& p);

// Empty when `backend` can run at this head size and dtype on the CPU; otherwise the reason.
std::string unsupported_reason(Backend backend, int64_t head_dim, DType dtype);
// Human-readable capability, for the backend table.
const char* head_sizes(Backend backend);
const char* dtypes(Backend backend);

}  // namespace dattn::cpu
