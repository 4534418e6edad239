// Which P·V precision sage_attn runs with (DESIGN.md): automatic is fp8 on GPUs with FP8 tensor
// cores (compute capability >= 8.9) whose fp8 kernel this build carries, and f16 elsewhere (sm_80,
// an sm_89 card under a module built without an sm_89 image, the CPU). An explicit fp8 that cannot
// run falls back to f16 with a reason, never silently. The CPU honours both, since its software
// e4m3 is the bit-level reference of the GPU kernel.
#pragma once

#include <string>

#include "dattn/types.h"
#include "select/probe.h"

namespace dattn::sage_pv {

struct Decision {
  SagePV pv = SagePV::f16;       // fp8 or f16, never automatic
  std::string reason;
  std::string fallback_message;  // non-empty when fp8 was asked for and f16 runs instead
};

Decision resolve(Platform platform, int device, SagePV requested, const probe::Probe& probe);

}  // namespace dattn::sage_pv
