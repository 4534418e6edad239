#include "support/seed.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace dattn::test {
namespace {

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

// Prints how to reproduce a failed test with its inputs.
class SeedPrinter : public testing::EmptyTestEventListener {
  void OnTestEnd(const testing::TestInfo& info) override {
    if (info.result()->Failed()) {
      std::printf("[   SEED   ] %s.%s failed with base seed %llu; rerun with DATTN_TEST_SEED=%llu\n",
                  info.test_suite_name(), info.name(),
                  static_cast<unsigned long long>(base_seed()),
                  static_cast<unsigned long long>(base_seed()));
    }
  }
};

const bool kRegistered = [] {
  testing::UnitTest::GetInstance()->listeners().Append(new SeedPrinter);
  return true;
}();

}  // namespace

uint64_t base_seed() {
  static const uint64_t seed = [] {
    if (const char* env = std::getenv("DATTN_TEST_SEED"); env != nullptr && *env != '\0') {
      return static_cast<uint64_t>(std::strtoull(env, nullptr, 10));
    }
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  return seed;
}

uint64_t test_seed(std::string_view salt) {
  (void)kRegistered;
  std::string name;
  if (const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info()) {
    name = std::string(info->test_suite_name()) + "." + info->name();
  }
  return fnv1a(salt, fnv1a(name, 0xcbf29ce484222325ull ^ base_seed()));
}

}  // namespace dattn::test
