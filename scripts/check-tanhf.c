/* Compares native/tanhf_fdlibm.h (the DMADRL reverse step's tanh) with the C library's tanhf on
 * every float32 input (or every STRIDE-th one), one vectorized loop per clone the CPU can run.
 *
 *   cc -O3 -std=c11 -ffp-contract=off -fno-math-errno -fno-trapping-math scripts/check-tanhf.c -o /tmp/check-tanhf -lm
 *   /tmp/check-tanhf [STRIDE]        # prints one JSON line; exit status 1 on any difference
 *
 * The flags are the addon's (native/binding.gyp). glibc 2.36's tanhf is fdlibm's, so on Debian 12
 * the check must find no difference; a C library with another tanhf (glibc >= 2.40's correctly
 * rounded one, musl) differs, which only says the addon no longer follows it. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../native/tanhf_fdlibm.h"

#define LOOP(name, isa)                                                          \
  __attribute__((noinline, target(isa))) static void name(const float* restrict x, float* restrict y, int n) { \
    for (int i = 0; i < n; i++) y[i] = tanhf_fdlibm(x[i]);                          \
  }
LOOP(loop_avx512, "avx512f")
LOOP(loop_avx2, "avx2")
LOOP(loop_sse2, "sse2")

__attribute__((noinline)) static void loop_libm(const float* x, float* y, int n) {
  for (int i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  const uint64_t stride = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  if (stride < 1) return fprintf(stderr, "check-tanhf: STRIDE must be a positive integer\n"), 2;
  __builtin_cpu_init();
  struct { const char* name; void (*loop)(const float*, float*, int); int runs; } clones[] = {
      {"avx512f", loop_avx512, __builtin_cpu_supports("avx512f")},
      {"avx2", loop_avx2, __builtin_cpu_supports("avx2")},
      {"sse2", loop_sse2, 1},
  };
  enum { BLOCK = 1 << 20 };
  float *x = malloc(sizeof(float) * BLOCK), *want = malloc(sizeof(float) * BLOCK), *got = malloc(sizeof(float) * BLOCK);
  uint64_t checked = 0, differ[3] = {0, 0, 0};
  for (uint64_t word = 0; word <= 0xffffffffull;) {
    int n = 0;
    for (; n < BLOCK && word <= 0xffffffffull; n++, word += stride) {
      const uint32_t w = (uint32_t)word;
      memcpy(&x[n], &w, 4);
    }
    loop_libm(x, want, n);
    for (int c = 0; c < 3; c++) {
      if (!clones[c].runs) continue;
      clones[c].loop(x, got, n);
      for (int i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, &want[i], 4);
        memcpy(&b, &got[i], 4);
        if (a != b && !(isnan(want[i]) && isnan(got[i]))) {
          if (differ[c] < 5) fprintf(stderr, "%s: tanhf(%a) = %a, tanhf_fdlibm gives %a\n", clones[c].name, x[i], want[i], got[i]);
          differ[c]++;
        }
      }
    }
    checked += n;
  }
  /* speed on a DMADRL round's worth of values (N = 20, H = 64, K = 7: 89,600) in [-3, 3] */
  const int n = 89600, reps = 200;
  for (int i = 0; i < n; i++) x[i] = -3.0f + 6.0f * (float)i / (float)n;
  double t0 = seconds();
  for (int r = 0; r < reps; r++) loop_libm(x, want, n);
  const double libmMs = (seconds() - t0) / reps * 1e3;
  printf("{\"name\":\"check-tanhf\",\"inputs\":%llu,\"stride\":%llu,\"libm_ms\":%.3f", (unsigned long long)checked, (unsigned long long)stride, libmMs);
  int failed = 0;
  for (int c = 0; c < 3; c++) {
    if (!clones[c].runs) {
      printf(",\"%s\":null", clones[c].name);
      continue;
    }
    t0 = seconds();
    for (int r = 0; r < reps; r++) clones[c].loop(x, got, n);
    printf(",\"%s\":{\"differ\":%llu,\"ms\":%.3f}", clones[c].name, (unsigned long long)differ[c], (seconds() - t0) / reps * 1e3);
    failed |= differ[c] != 0;
  }
  printf("}\n");
  return failed;
}
