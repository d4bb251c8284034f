// conv_small.h's f32 loops at 16 lanes (compiled with -mavx512f in its own library).
#if defined(__x86_64__) || defined(_M_X64)
#include "conv_small.h"
#include "simd/vec_avx512.h"

namespace tl {

void filter_grad_rows_f32__avx512(const FilterGradArgs& a, int64_t r0, int64_t r1, float* part) {
  filter_grad_rows<VecAvx512>(a, r0, r1, part);
}

void conv_rows_f32__avx512(const ConvSmallArgs& a, int64_t r0, int64_t r1) { conv_rows<VecAvx512>(a, r0, r1); }

}  // namespace tl
#endif
