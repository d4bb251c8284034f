// depthwise.h's and pool.h's f32 loops at 8 lanes (compiled with -mavx2 -mfma in its own library).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "depthwise.h"
#include "pool.h"

namespace tl {
namespace {
struct V8 {
  typedef __m256 T;
  static constexpr int W = 8;
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T zero() { return _mm256_setzero_ps(); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }  // a > b ? a : b
  static T min(T a, T b) { return _mm256_min_ps(a, b); }  // a < b ? a : b
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
};
}  // namespace

void depthwise_rows_f32__avx2(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<V8>(a, r0, r1); }
int64_t pool_rows_f32__avx2(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<V8>(a, r0, r1); }

}  // namespace tl
#endif
