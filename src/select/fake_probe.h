// A probe that states facts instead of finding them: tests and `dattn select --simulate` use it
// to show what would happen on a machine one does not have. Head sizes and dtypes still follow
// the real kernels' limits (the CPU kernels' own, or the GPU table of gpu_capability.h).
#pragma once

#include <memory>
#include <optional>
#include <set>

#include "select/probe.h"

namespace dattn::probe {

struct FakeSpec {
  Platform platform = Platform::cpu;
  bool present = true;
  std::set<Backend> missing;  // backends whose kernel is absent
  std::optional<int> cc;      // cuda only; default 90 (H100)
  bool fp8_image = true;      // cuda only: the module carries sage_attn's fp8 kernel for cc
};

std::shared_ptr<const Probe> make_fake_probe(FakeSpec spec);

}  // namespace dattn::probe
