// depthwise.h's and pool.h's f32 loops at 4 lanes (AArch64 NEON).
#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#include "depthwise.h"
#include "pool.h"

namespace tl {
namespace {
struct V4 {
  typedef float32x4_t T;
  static constexpr int W = 4;
  static T load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, T v) { vst1q_f32(p, v); }
  static T zero() { return vdupq_n_f32(0.f); }
  static T fma(T a, T b, T c) { return vfmaq_f32(c, a, b); }
  static T add(T a, T b) { return vaddq_f32(a, b); }
  static T set1(float v) { return vdupq_n_f32(v); }
  static T max(T a, T b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }  // a > b ? a : b
  static T min(T a, T b) { return vbslq_f32(vcltq_f32(a, b), a, b); }  // a < b ? a : b
  static T div(T a, T b) { return vdivq_f32(a, b); }
};
}  // namespace

void depthwise_rows_f32__neon(const DwArgs& a, int64_t r0, int64_t r1) { depthwise_rows<V4>(a, r0, r1); }
int64_t pool_rows_f32__neon(const PoolArgs& a, int64_t r0, int64_t r1) { return pool_rows<V4>(a, r0, r1); }

}  // namespace tl
#endif
