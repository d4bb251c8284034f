// depthwise.h's and pool.h's f32 loops at 4 lanes (AArch64 NEON).
#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#include "depthwise.h"
#include "pool.h"
#include "nn_vec.h"
#include "simd/vec_neon.h"

namespace tl {

void depthwise_rows_f32__neon(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<NnVec<VecNeon>>(a, r0, r1); }
int64_t pool_rows_f32__neon(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<NnVec<VecNeon>>(a, r0, r1); }

}  // namespace tl
#endif
