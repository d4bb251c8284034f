// depthwise.h's and pool.h's f32 loops at 8 lanes (compiled with -mavx2 -mfma in its own library).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "depthwise.h"
#include "pool.h"
#include "nn_vec.h"
#include "simd/vec_avx2.h"

namespace tl {

void depthwise_rows_f32__avx2(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<NnVec<VecAvx2>>(a, r0, r1); }
int64_t pool_rows_f32__avx2(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<NnVec<VecAvx2>>(a, r0, r1); }

}  // namespace tl
#endif
