// depthwise.h's and pool.h's f32 loops at 16 lanes (compiled with -mavx512f in its own library).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

// GCC 12's _mm512_max_ps / _mm512_min_ps pass _mm512_undefined_ps() as the merge source of a
// full mask, which -Wmaybe-uninitialized reports; nothing uninitialized is read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "depthwise.h"
#include "pool.h"

namespace tl {
namespace {
struct V16 {
  typedef __m512 T;
  static constexpr int W = 16;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T zero() { return _mm512_setzero_ps(); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }  // a > b ? a : b
  static T min(T a, T b) { return _mm512_min_ps(a, b); }  // a < b ? a : b
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
};
}  // namespace

void depthwise_rows_f32__avx512(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<V16>(a, r0, r1); }
int64_t pool_rows_f32__avx512(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<V16>(a, r0, r1); }

}  // namespace tl
#endif
