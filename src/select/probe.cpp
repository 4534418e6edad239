#include "select/probe.h"

#include <array>
#include <mutex>

#include "select/selector.h"

namespace dattn::probe {

namespace {

struct Registry {
  std::mutex mutex;
  std::array<std::shared_ptr<const Probe>, 3> probes;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::size_t index(Platform p) {
  const int i = static_cast<int>(p);
  if (i < 0 || i > 2)
    throw Error(ErrorCode::invalid_argument,
                "platform value " + std::to_string(i) + " is not cpu, cuda or musa");
  return static_cast<std::size_t>(i);
}

std::shared_ptr<const Probe> make_real(Platform p) {
  switch (p) {
    case Platform::cpu: return make_cpu_probe();
    case Platform::cuda: return make_cuda_probe();
    case Platform::musa: return make_musa_probe();
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<const Probe> get(Platform p) {
  const std::size_t i = index(p);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (!r.probes[i]) r.probes[i] = make_real(p);
  return r.probes[i];
}

void set(Platform p, std::shared_ptr<const Probe> probe) {
  const std::size_t i = index(p);
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.probes[i] = std::move(probe);
  }
  selector::clear_cache();
}

void reset() {
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (auto& p : r.probes) p.reset();
  }
  selector::clear_cache();
}

}  // namespace dattn::probe
