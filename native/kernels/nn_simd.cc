// The scalar level of depthwise.h's and pool.h's loops (1 lane), and the choice of their ISA level.
#include "cpu.h"
#include "depthwise.h"
#include "pool.h"
#include "nn_vec.h"
#include "simd/vec_scalar.h"

namespace tl {

void depthwise_rows_f32__scalar(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<NnVec<VecScalar>>(a, r0, r1); }
int64_t pool_rows_f32__scalar(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<NnVec<VecScalar>>(a, r0, r1); }

DwRowsFn depthwise_rows_f32_fn() {
  switch (cpu_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::avx512: return depthwise_rows_f32__avx512;
    case Isa::avx2: return depthwise_rows_f32__avx2;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    case Isa::neon: return depthwise_rows_f32__neon;
#endif
    default: return depthwise_rows_f32__scalar;
  }
}

PoolRowsFn pool_rows_f32_fn() {
  switch (cpu_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::avx512: return pool_rows_f32__avx512;
    case Isa::avx2: return pool_rows_f32__avx2;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    case Isa::neon: return pool_rows_f32__neon;
#endif
    default: return pool_rows_f32__scalar;
  }
}

}  // namespace tl
