// Seeds for test inputs. Every run draws a fresh base seed (or takes DATTN_TEST_SEED), and
// each test mixes it with its own full name, so tests see different data, runs see new
// data, and a failing test prints the base seed that reproduces it.
#pragma once

#include <cstdint>
#include <string_view>

namespace dattn::test {

// DATTN_TEST_SEED if set, else drawn once per process from std::random_device.
uint64_t base_seed();
// The base seed mixed with the running test's full name and `salt` (for several tensors or
// cases inside one test).
uint64_t test_seed(std::string_view salt = {});

}  // namespace dattn::test
