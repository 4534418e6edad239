#include "select/selector.h"

#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "core/env.h"
#include "core/log.h"
#include "core/text.h"
#include "dattn/dattn.h"
#include "select/probe.h"
#include "select/registry.h"
#include "select/rules.h"
#include "select/sage_pv.h"

namespace dattn {

namespace {

// (platform, device, head_size, dtype, requested backend or -1 for auto, policy)
using Key = std::tuple<int, int, int64_t, int, int, int>;
// (platform, device, requested P·V, policy)
using PvKey = std::tuple<int, int, int, int>;

struct Cache {
  std::mutex mutex;
  std::map<Key, Selection> decisions;
  std::set<PvKey> pv_seen;
  std::set<std::string> per_call_seen;  // messages of per-call fallbacks already logged
};

Cache& cache() {
  static Cache c;
  return c;
}

constexpr const char* kStrictPrefix = "fallback refused (strict policy): ";

}  // namespace

namespace selector {

void clear_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.decisions.clear();
  c.pv_seen.clear();
  c.per_call_seen.clear();
}

void per_call_fallback(const std::string& message, Policy policy) {
  if (policy == Policy::strict) throw Error(ErrorCode::fallback_refused, kStrictPrefix + message);
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  if (c.per_call_seen.insert(message).second) log::logger().warn("{}", message);
}

Policy policy_or_env(const std::optional<Policy>& policy) {
  if (!policy) return env::policy();
  if (*policy != Policy::warn && *policy != Policy::strict)
    throw Error(ErrorCode::invalid_argument,
                "policy: expected warn or strict, got value " +
                    std::to_string(static_cast<int>(*policy)));
  return *policy;
}

SagePV sage_pv(Platform platform, int device, SagePV requested, Policy policy,
               std::vector<std::string>& reasons) {
  const auto probe = probe::get(platform);
  const sage_pv::Decision d = sage_pv::resolve(platform, device, requested, *probe);
  if (!d.fallback_message.empty()) {
    if (policy == Policy::strict)
      throw Error(ErrorCode::fallback_refused, kStrictPrefix + d.fallback_message);
    const PvKey key{static_cast<int>(platform), device, static_cast<int>(requested),
                    static_cast<int>(policy)};
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    if (c.pv_seen.insert(key).second) log::logger().warn("{}", d.fallback_message);
  }
  reasons.push_back(d.reason);
  return d.pv;
}

}  // namespace selector

Platform detect_platform() {
  const std::string forced = env::platform_override();
  if (!forced.empty()) {
    try {
      return parse_platform(forced);
    } catch (const Error& e) {
      throw Error(ErrorCode::invalid_argument, std::string("DATTN_PLATFORM: ") + e.what());
    }
  }
  if (probe::get(Platform::cuda)->present().ok) return Platform::cuda;
  if (probe::get(Platform::musa)->present().ok) return Platform::musa;
  return Platform::cpu;
}

Selection select(const SelectQuery& query) {
  const Platform platform = query.platform ? *query.platform : detect_platform();
  const Policy policy = selector::policy_or_env(query.policy);
  if (query.device_index < 0)
    throw Error(ErrorCode::invalid_argument,
                "device_index must be >= 0, got " + std::to_string(query.device_index));

  std::string name = query.requested, origin;
  if (registry::is_auto(name)) {
    name = env::requested_backend();
    if (!name.empty()) origin = " (from DATTN_ATTENTION_BACKEND)";
  }
  const std::optional<Backend> requested = rules::resolve_request(platform, name, origin);

  const Key key{static_cast<int>(platform), query.device_index, query.head_size,
                static_cast<int>(query.dtype), requested ? static_cast<int>(*requested) : -1,
                static_cast<int>(policy)};
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (auto it = c.decisions.find(key); it != c.decisions.end()) return it->second;
  }

  // Decided outside the lock: probes may load libraries and query devices. Two threads racing
  // on a new key both decide (identically); only the one that stores it logs.
  const auto probe = probe::get(platform);
  const rules::Decision d = rules::decide(
      {platform, requested, query.device_index, query.head_size, query.dtype}, *probe);
  if (d.selection.fallback && policy == Policy::strict)
    throw Error(ErrorCode::fallback_refused, kStrictPrefix + d.fallback_message);

  std::lock_guard lock(c.mutex);
  if (c.decisions.emplace(key, d.selection).second) {
    const Selection& s = d.selection;
    log::logger().info("selected {} on {}:{} (requested {}{}, head_size {}, {}, policy {}): {}",
                       to_string(s.backend), to_string(platform), query.device_index, s.requested,
                       origin, query.head_size, to_string(query.dtype), to_string(policy),
                       text::join(s.reasons, "; "));
    if (s.fallback) log::logger().warn("{}", d.fallback_message);
  }
  return d.selection;
}

}  // namespace dattn
