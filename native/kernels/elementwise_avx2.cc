// The f32 SIMD kernels at the AVX2/FMA level (simd/loops.h over VecAvx2), compiled with
// -mavx2 -mfma in their own library; simd_kernels() hands them out when cpu_isa() is avx2.
#if defined(__x86_64__) || defined(_M_X64)
#include "simd/loops.h"
#include "simd/vec_avx2.h"

namespace tl {
TL_DEFINE_SIMD_KERNELS(avx2, VecAvx2)
}  // namespace tl
#endif
