// The benchmark workloads of DESIGN.md ("Measuring") and the CPU benchmark of issue 2.
#pragma once

#include <string>
#include <vector>

#include "args.h"

namespace dattn::cli {

struct Workload {
  std::string name;
  Shape shape;
};

// GPU: the DiT models and the (4, 32, S, D) sweep, S = 1k..32k, D = 128 and 64.
// CPU: (1, 24, 1024, 128) and (1, 8, 4096, 64), sized for a few cores.
std::vector<Workload> default_workloads(Platform platform);

}  // namespace dattn::cli
