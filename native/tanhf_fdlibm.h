/* svec native: tanh(x) as fdlibm's tanhf, written so that loops over it vectorize.
 *
 * Included by svec_blas.c (the DMADRL reverse step) and by scripts/check-tanhf.c, which compares
 * it with the C library's tanhf. */
#ifndef SVEC_TANHF_FDLIBM_H
#define SVEC_TANHF_FDLIBM_H
#include <stdint.h>
#include <string.h>

/* tanh(x) as fdlibm's tanhf (glibc 2.36's s_tanhf.c and its __expm1f), every branch computed and
   one selected, so that loops vectorize; glibc's tanhf is a scalar call, 1.10 ms against 0.11 ms
   (AVX-512) for a DMADRL round's 89,600 values. Same float operations in the same order as
   fdlibm, so the same bits: checked against this machine's glibc tanhf on all 2^32 inputs, for
   the AVX-512, AVX2 and SSE2 builds (scripts/check-tanhf.c), and the reverse step's results did
   not change. It also makes them independent of the C library's tanhf (glibc 2.40's differs). */
static inline float tanhf_fdlibm(float x) {
  int32_t jx; memcpy(&jx, &x, 4);
  const int32_t ix = jx & 0x7fffffff;
  float ax; memcpy(&ax, &ix, 4);
  const int big = ix >= 0x3f800000;                    /* |x| >= 1: expm1(2|x|), else expm1(-2|x|) */
  const float axc = ax < 22.0f ? ax : 22.0f;           /* larger |x| (and NaN) are set below */
  const float au = 2.0f * axc;
  const float u = big ? au : -au;
  /* expm1f(u): u in [2, 44] or (-2, 0] */
  int32_t hu; memcpy(&hu, &au, 4);
  const int32_t kg = (int32_t)(1.4426950216e+00f * u + (big ? 0.5f : -0.5f));
  const int mid = !big && hu < 0x3F851592;             /* 0.5 ln2 < |u| < 1.5 ln2, u < 0: k = -1 */
  const int zero = hu <= 0x3eb17218;                   /* |u| <= 0.5 ln2: k = 0 */
  const int32_t k = zero ? 0 : mid ? -1 : kg;
  const float tk = (float)k;
  const float hi = mid ? u + 6.9313812256e-01f : u - tk * 6.9313812256e-01f;
  const float lo = mid ? -9.0580006145e-06f : tk * 9.0580006145e-06f;
  const float rr = hi - lo;
  const float r = zero ? u : rr;
  const float c = (hi - rr) - lo;
  const float hfx = 0.5f * r, hxs = r * hfx;
  const float r1 = 1.0f + hxs * (-3.3333335072e-02f + hxs * (1.5873016091e-03f + hxs * (-7.9365076090e-05f + hxs * (4.0082177293e-06f + hxs * -2.0109921195e-07f))));
  const float t3 = 3.0f - r1 * hfx;
  const float e = hxs * ((r1 - t3) / (6.0f - r * t3));
  const float m0 = r - (r * e - hxs);                  /* k = 0 */
  const float e2 = (r * (e - c) - c) - hxs;
  const float m1 = 0.5f * (r - e2) - 0.5f;             /* k = -1 */
  const int32_t kshift = (int32_t)((uint32_t)k << 23);
  const int32_t p2bits = (int32_t)((uint32_t)(0x7f - k) << 23);             /* 2^-k, k in [3, 56] */
  float p2; memcpy(&p2, &p2bits, 4);
  float ya = 1.0f - (e2 - r);                          /* k <= -2 or k > 56 */
  float yb = (1.0f - p2) - (e2 - r);                   /* 2 <= k < 23: 1 - 2^-k exact */
  float yc = (r - (e2 + p2)) + 1.0f;                   /* 23 <= k <= 56 */
  const int far = k <= -2 || k > 56;
  float y = far ? ya : k < 23 ? yb : yc;
  int32_t yi; memcpy(&yi, &y, 4); yi += kshift; memcpy(&y, &yi, 4);
  const float mk = far ? y - 1.0f : y;
  const int tiny = hu < 0x33000000;           /* |u| < 2^-25: expm1(u) = u */
  const float em = tiny ? u : zero ? m0 : mid ? m1 : mk;
  /* tanh */
  const float zb = 1.0f - 2.0f / (em + 2.0f);
  const float zs = -em / (em + 2.0f);
  float z = big ? zb : zs;
  z = ix >= 0x41b00000 ? 1.0f : z;                     /* |x| >= 22 (and inf) */
  z = ix < 0x24000000 ? ax : z;                        /* |x| < 2^-55 (and 0) */
  z = ix > 0x7f800000 ? x : z;                         /* NaN */
  int32_t zi; memcpy(&zi, &z, 4); zi |= jx & (int32_t)0x80000000; memcpy(&z, &zi, 4);
  return z;
}

#endif
