// conv_small.h's f32 loops at 4 lanes (AArch64 NEON).
#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#include "conv_small.h"
#include "simd/vec_neon.h"

namespace tl {

void filter_grad_rows_f32__neon(const FilterGradArgs& a, int64_t r0, int64_t r1, float* part) {
  filter_grad_rows<VecNeon>(a, r0, r1, part);
}

void conv_rows_f32__neon(const ConvSmallArgs& a, int64_t r0, int64_t r1) { conv_rows<VecNeon>(a, r0, r1); }

}  // namespace tl
#endif
