#include "select/fake_probe.h"

#include "cpu/kernels.h"
#include "select/gpu_capability.h"

namespace dattn::probe {

namespace {

constexpr int kDefaultCudaCc = 90;

class FakeProbe final : public Probe {
 public:
  explicit FakeProbe(FakeSpec spec) : spec_(std::move(spec)) {
    if (spec_.platform == Platform::cuda && !spec_.cc) spec_.cc = kDefaultCudaCc;
  }

  Verdict present() const override {
    const std::string p = to_string(spec_.platform);
    if (!spec_.present)
      return {false, p + " is absent (simulated)", "drop '" + p + ":absent' from the simulation"};
    return {true, p + " present (simulated)", ""};
  }

  Verdict available(Backend b, int, int64_t head_size, DType dtype) const override {
    const std::string p = to_string(spec_.platform), name = to_string(b);
    if (spec_.missing.count(b))
      return {false, name + " kernel is missing on " + p + " (simulated)",
              "drop '" + p + "." + name + ":missing' from the simulation"};
    std::string why = spec_.platform == Platform::cpu
                          ? cpu::unsupported_reason(b, head_size, dtype)
                          : gpu_capability::unsupported_reason(b, head_size, dtype, spec_.cc);
    if (why.empty()) return {true, "", ""};
    return {false, std::move(why),
            "use a head size, dtype and device the backend supports (`dattn backends` lists them)"};
  }

  std::optional<int> compute_capability(int) const override { return spec_.cc; }

  Verdict sage_fp8_image(int) const override {
    if (spec_.fp8_image) return {true, "", ""};
    return {false, "the CUDA module carries no fp8 sage_attn kernel for this device (simulated)",
            "drop 'cuda.fp8:missing' from the simulation"};
  }

  std::string describe(int device) const override {
    std::string d = std::string("simulated ") + to_string(spec_.platform) + " device " +
                    std::to_string(device);
    if (spec_.cc) d += ", sm_" + std::to_string(*spec_.cc);
    return d;
  }

  std::string head_sizes(Backend b) const override {
    return spec_.platform == Platform::cpu ? cpu::head_sizes(b) : gpu_capability::head_sizes(b);
  }
  std::string dtypes(Backend b) const override {
    return spec_.platform == Platform::cpu ? cpu::dtypes(b) : gpu_capability::dtypes(b);
  }

 private:
  FakeSpec spec_;
};

}  // namespace

std::shared_ptr<const Probe> make_fake_probe(FakeSpec spec) {
  return std::make_shared<FakeProbe>(std::move(spec));
}

}  // namespace dattn::probe
