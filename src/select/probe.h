// Platform probes: what the selection rules ask the machine. One probe per platform; tests and
// `dattn select --simulate` replace them with fakes (fake_probe.h), so the whole selection
// matrix runs on any machine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "dattn/types.h"

namespace dattn::probe {

// An answer with its reason, and when negative, how to get a yes.
struct Verdict {
  bool ok = true;
  std::string reason;
  std::string remedy;
};

class Probe {
 public:
  virtual ~Probe() = default;
  // The platform is there with at least one device.
  virtual Verdict present() const = 0;
  // `b` has a kernel for this device, head size and dtype. Asked only when present.
  virtual Verdict available(Backend b, int device, int64_t head_size, DType dtype) const = 0;
  // Compute capability as major * 10 + minor (CUDA), nullopt where it has no meaning.
  virtual std::optional<int> compute_capability(int device) const = 0;
  // sage_attn's fp8 P·V kernel was built for this device. Asked only of a device with FP8
  // tensor cores (compute capability >= 8.9), the rule that sage_pv.cpp applies first.
  virtual Verdict sage_fp8_image(int device) const = 0;
  // One line about the device, e.g. "NVIDIA H100 80GB HBM3, sm_90, 132 SMs".
  virtual std::string describe(int device) const = 0;
  // What the backend handles, for the backend table.
  virtual std::string head_sizes(Backend b) const = 0;
  virtual std::string dtypes(Backend b) const = 0;
};

// The probe in force for a platform (thread-safe; a copy of the pointer, so a concurrent
// replacement never pulls it from under the caller).
std::shared_ptr<const Probe> get(Platform p);
// Replaces a platform's probe and clears the selection cache.
void set(Platform p, std::shared_ptr<const Probe> probe);
// Back to the real probes, cache cleared.
void reset();

std::shared_ptr<const Probe> make_cpu_probe();
std::shared_ptr<const Probe> make_cuda_probe();
std::shared_ptr<const Probe> make_musa_probe();  // src/musa/musa_probe.cpp

}  // namespace dattn::probe
