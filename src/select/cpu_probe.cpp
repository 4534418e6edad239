// The host CPU: always present; each backend's limits come from the CPU kernels themselves.
#include <omp.h>

#include "cpu/kernels.h"
#include "select/probe.h"

namespace dattn::probe {

namespace {

class CpuProbe final : public Probe {
 public:
  Verdict present() const override { return {true, "the host CPU", ""}; }

  Verdict available(Backend b, int, int64_t head_size, DType dtype) const override {
    std::string why = cpu::unsupported_reason(b, head_size, dtype);
    if (why.empty()) return {true, "", ""};
    return {false, std::move(why),
            "use a head size and dtype the backend supports (`dattn backends` lists them)"};
  }

  std::optional<int> compute_capability(int) const override { return std::nullopt; }
  Verdict sage_fp8_image(int) const override { return {true, "", ""}; }  // software e4m3

  std::string describe(int) const override {
    return "host CPU, " + std::to_string(omp_get_max_threads()) + " OpenMP threads";
  }

  std::string head_sizes(Backend b) const override { return cpu::head_sizes(b); }
  std::string dtypes(Backend b) const override { return cpu::dtypes(b); }
};

}  // namespace

std::shared_ptr<const Probe> make_cpu_probe() { return std::make_shared<CpuProbe>(); }

}  // namespace dattn::probe
