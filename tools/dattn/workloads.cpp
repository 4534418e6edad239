#include "workloads.h"

namespace dattn::cli {

namespace {

Shape self(int64_t b, int64_t h, int64_t s, int64_t d) { return {b, h, h, s, s, d}; }

}  // namespace

std::vector<Workload> default_workloads(Platform platform) {
  if (platform == Platform::cpu) {
    return {{"cpu-d128", self(1, 24, 1024, 128)}, {"cpu-d64", self(1, 8, 4096, 64)}};
  }
  std::vector<Workload> w = {
      {"flux-1024px", self(1, 24, 4608, 128)},
      {"wan2.1-480p-81f", self(1, 40, 32760, 128)},
      {"cogvideox-5b", self(1, 48, 17776, 64)},
      {"sd3.5-1024px", self(2, 38, 4429, 64)},
  };
  for (int64_t d : {128, 64}) {
    for (int64_t s = 1024; s <= 32768; s *= 2) {
      w.push_back({"sweep-d" + std::to_string(d) + "-s" + std::to_string(s / 1024) + "k",
                   self(4, 32, s, d)});
    }
  }
  return w;
}

}  // namespace dattn::cli
