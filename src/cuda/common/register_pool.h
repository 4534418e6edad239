// The registers a warp-specialized CTA may hand around with setmaxnreg.
#pragma once

namespace dattn::cuda {

// A CTA of `threads` threads launched one per SM (__launch_bounds__(threads, 1)) holds
// threads x (65536 / threads, rounded down to a multiple of 8) registers: ptxas allocates per
// thread in steps of 8. setmaxnreg moves registers only within that pool (.dec returns them,
// .inc waits until the pool has them), so the warpgroups' counts after it must fit the pool,
// not the SM's 65536: one register too many and the last .inc waits forever.
constexpr int launch_register_pool(int threads) { return threads * (65536 / threads / 8 * 8); }

}  // namespace dattn::cuda
