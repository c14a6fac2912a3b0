/*
 * svec's native matrix products: a minimal Node-API addon (plain C, node_api.h only) over
 * Debian's OpenBLAS cblas_sgemm. TF.js's WebAssembly backend multiplies matrices at ~1 GFLOP/s
 * in Node; OpenBLAS does ~90 on one core here. src/nn/nativeKernels.ts registers kernels that
 * call this directly on the WebAssembly heap.
 *
 * OpenBLAS is not linked: open() loads it with dlopen, after setting OPENBLAS_CORETYPE in the
 * process environment when asked to. OpenBLAS reads that variable once, when it is loaded, to pick
 * its kernels (DYNAMIC_ARCH builds); loading it ourselves lets the caller choose them first, also
 * from a worker thread, whose process.env is a private copy that never reaches getenv().
 *
 * open(coreType | null | undefined) -> OpenBLAS's core name. Only the first call in a process
 *   loads the library (worker threads share it); later calls return what is loaded. A name sets
 *   OPENBLAS_CORETYPE, null unsets it (OpenBLAS's own detection), undefined leaves the
 *   environment alone. Every other function opens it (undefined) when not yet open. The
 *   optional second argument, a string, is kept for loaded() when this call loads the library.
 * loaded() -> null, or { coreName, requested, library, note } of the loaded OpenBLAS.
 * selfCheck() -> the largest error of OpenBLAS's sgemm against a double-precision product over a
 *   fixed set of shapes (edge sizes, both transposes, beta 0 and 1), each error divided by
 *   sum_k |a_ik b_kj| (a correct float32 product stays below ~K * 2^-24 of that).
 *
 * sgemmStrided(transA, transB, batch, M, N, K, A, aOffset, strideA, B, bOffset, strideB,
 *              C, cOffset, strideC[, beta = 0])
 *   for b in [0, batch): C_b (M x N) = op(A_b) op(B_b) + beta C_b, row-major, where
 *   X_b starts at element xOffset + b * strideX of the Float32Array X (stride 0 broadcasts).
 *   op(A) is M x K (A stored K x M when transA), op(B) is K x N (B stored N x K when transB).
 *   The arrays may be views of the WebAssembly heap: nothing is copied. Every matrix is bounds
 *   checked against its array, so a wrong offset throws instead of corrupting memory.
 *
 * activate(kind, alpha, X, offset, length): in place over X[offset, offset + length), with
 *   kind numbered as TF.js's FusableActivation: 0 linear, 1 relu, 2 relu6, 4 leakyrelu (alpha),
 *   5 sigmoid, 6 elu (3, prelu, needs a weight tensor and is not handled here).
 *
 * setThreads(n) / getThreads(): OpenBLAS's thread count. It is global to the process (all
 *   worker threads share one OpenBLAS). open() sets it to 1: svec gets its
 *   parallelism from independent runs in worker threads, one per core, and a multi-threaded
 *   OpenBLAS under them would oversubscribe the cores (its spinning threads then slow
 *   everything down); at svec's sizes (64-256) one thread is also the fastest per product.
 *
 * config(): OpenBLAS's build description (version, core type, MAX_THREADS).
 */
#define _GNU_SOURCE /* dladdr */
#include <node_api.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tanhf_fdlibm.h" /* tanhf_fdlibm: the reverse step's tanh */

/* The CBLAS ABI (cblas.h's enum values), so that no OpenBLAS header or link is needed. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int order, int transA, int transB, int M, int N, int K, float alpha, const float* A, int lda,
                         const float* B, int ldb, float beta, float* C, int ldc);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char* (*get_string_fn)(void);

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static void* blas_handle = NULL;
static sgemm_fn blas_sgemm = NULL;
static set_threads_fn blas_set_threads = NULL;
static get_threads_fn blas_get_threads = NULL;
static get_string_fn blas_config = NULL;
static get_string_fn blas_corename = NULL;
static char requested_core[64] = "";
static char library_path[512] = "";
static char open_error[512] = "";
/* what the opener wants other threads to know about the choice (JSON from src/nn/blasSelect.ts) */
static char selection_note[8192] = "";

/* Loads OpenBLAS once per process; returns false (open_error says why) when it cannot.
   core: a core type to set in OPENBLAS_CORETYPE; "" to unset it (OpenBLAS's own detection);
   NULL to leave the environment as it is. */
static bool open_blas(const char* core) {
  pthread_mutex_lock(&open_lock);
  if (blas_handle == NULL && open_error[0] == 0) {
    if (core != NULL && core[0] == 0) unsetenv("OPENBLAS_CORETYPE");
    if (core != NULL && core[0] != 0) {
      /* an empty OPENBLAS_CORETYPE is not "unset": 0.3.21 then matches the first core it knows */
      setenv("OPENBLAS_CORETYPE", core, 1);
      snprintf(requested_core, sizeof requested_core, "%s", core);
    }
    const char* names[] = {"libopenblas.so.0", "libopenblas.so"};
    void* handle = NULL;
    for (size_t k = 0; k < sizeof names / sizeof names[0] && handle == NULL; k++) handle = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
      snprintf(open_error, sizeof open_error, "cannot load OpenBLAS (libopenblas.so.0): %s", dlerror());
    } else {
      blas_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
      blas_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
      blas_get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
      blas_config = (get_string_fn)dlsym(handle, "openblas_get_config");
      blas_corename = (get_string_fn)dlsym(handle, "openblas_get_corename");
      if (!blas_sgemm || !blas_set_threads || !blas_get_threads || !blas_config || !blas_corename) {
        snprintf(open_error, sizeof open_error, "the loaded libopenblas lacks cblas_sgemm or the openblas_* functions");
        dlclose(handle);
      } else {
        Dl_info info;
        if (dladdr((void*)blas_sgemm, &info) && info.dli_fname) snprintf(library_path, sizeof library_path, "%s", info.dli_fname);
        /* one thread (see the header comment); SVEC_BLAS_THREADS changes it from JavaScript */
        blas_set_threads(1);
        blas_handle = handle;
      }
    }
  }
  bool ok = blas_handle != NULL;
  pthread_mutex_unlock(&open_lock);
  return ok;
}

#define REQUIRE_BLAS()                                  \
  do {                                                  \
    if (!open_blas(NULL)) {                             \
      napi_throw_error(env, NULL, open_error);          \
      return NULL;                                      \
    }                                                   \
  } while (0)

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "svec_blas: invalid arguments to " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static bool get_f32(napi_env env, napi_value value, float** data, size_t* length) {
  bool is_typedarray = false;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) return false;
  napi_typedarray_type type;
  void* raw = NULL;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = (float*)raw;
  return true;
}

static napi_value SgemmStrided(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 15 && argc != 16) {
    napi_throw_type_error(env, NULL, "sgemmStrided expects 15 or 16 arguments");
    return NULL;
  }
  bool transA, transB;
  int64_t batch, M, N, K, aOffset, strideA, bOffset, strideB, cOffset, strideC;
  double beta = 0.0;
  CHECK(napi_get_value_bool(env, argv[0], &transA));
  CHECK(napi_get_value_bool(env, argv[1], &transB));
  CHECK(napi_get_value_int64(env, argv[2], &batch));
  CHECK(napi_get_value_int64(env, argv[3], &M));
  CHECK(napi_get_value_int64(env, argv[4], &N));
  CHECK(napi_get_value_int64(env, argv[5], &K));
  float *A, *B, *C;
  size_t lenA, lenB, lenC;
  if (!get_f32(env, argv[6], &A, &lenA) || !get_f32(env, argv[9], &B, &lenB) || !get_f32(env, argv[12], &C, &lenC)) {
    napi_throw_type_error(env, NULL, "sgemmStrided: A, B and C must be Float32Arrays");
    return NULL;
  }
  CHECK(napi_get_value_int64(env, argv[7], &aOffset));
  CHECK(napi_get_value_int64(env, argv[8], &strideA));
  CHECK(napi_get_value_int64(env, argv[10], &bOffset));
  CHECK(napi_get_value_int64(env, argv[11], &strideB));
  CHECK(napi_get_value_int64(env, argv[13], &cOffset));
  CHECK(napi_get_value_int64(env, argv[14], &strideC));
  if (argc == 16) CHECK(napi_get_value_double(env, argv[15], &beta));
  if (batch < 0 || M < 0 || N < 0 || K < 0 || aOffset < 0 || bOffset < 0 || cOffset < 0 || strideA < 0 || strideB < 0 ||
      strideC < 0) {
    napi_throw_range_error(env, NULL, "sgemmStrided: negative size, offset or stride");
    return NULL;
  }
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) {
    napi_throw_range_error(env, NULL, "sgemmStrided: a dimension exceeds 2^31 - 1");
    return NULL;
  }
  if (batch == 0 || M == 0 || N == 0) return NULL;
  /* bounds: the last matrix of each operand must end inside its array */
  if ((uint64_t)(aOffset + (batch - 1) * strideA + M * K) > lenA || (uint64_t)(bOffset + (batch - 1) * strideB + K * N) > lenB ||
      (uint64_t)(cOffset + (batch - 1) * strideC + M * N) > lenC) {
    napi_throw_range_error(env, NULL, "sgemmStrided: a matrix extends past the end of its array");
    return NULL;
  }
  REQUIRE_BLAS();
  const int lda = transA ? (int)M : (int)K;
  const int ldb = transB ? (int)K : (int)N;
  for (int64_t b = 0; b < batch; b++) {
    float* c = C + cOffset + b * strideC;
    if (K == 0) { /* sgemm with K = 0 is allowed, but some BLAS builds reject lda = 0 */
      for (int64_t i = 0; i < M * N; i++) c[i] = beta == 0.0 ? 0.0f : (float)beta * c[i];
      continue;
    }
    blas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, (int)M, (int)N, (int)K, 1.0f, A + aOffset + b * strideA, lda, B + bOffset + b * strideB, ldb, (float)beta, c, (int)N);
  }
  return NULL;
}

static napi_value Activate(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 5) {
    napi_throw_type_error(env, NULL, "activate expects 5 arguments");
    return NULL;
  }
  int32_t kind;
  double alpha_d;
  int64_t offset, length;
  float* X;
  size_t lenX;
  CHECK(napi_get_value_int32(env, argv[0], &kind));
  CHECK(napi_get_value_double(env, argv[1], &alpha_d));
  if (!get_f32(env, argv[2], &X, &lenX)) {
    napi_throw_type_error(env, NULL, "activate: X must be a Float32Array");
    return NULL;
  }
  CHECK(napi_get_value_int64(env, argv[3], &offset));
  CHECK(napi_get_value_int64(env, argv[4], &length));
  if (offset < 0 || length < 0 || (uint64_t)(offset + length) > lenX) {
    napi_throw_range_error(env, NULL, "activate: range outside the array");
    return NULL;
  }
  float* x = X + offset;
  const float alpha = (float)alpha_d;
  /* comparisons written as TF.js's CPU kernels write them, so NaN propagates the same way */
  switch (kind) {
    case 0:
      break;
    case 1:
      for (int64_t i = 0; i < length; i++) x[i] = x[i] < 0.0f ? 0.0f : x[i];
      break;
    case 2:
      for (int64_t i = 0; i < length; i++) x[i] = x[i] < 0.0f ? 0.0f : (x[i] > 6.0f ? 6.0f : x[i]);
      break;
    case 4:
      for (int64_t i = 0; i < length; i++) x[i] = x[i] < 0.0f ? alpha * x[i] : x[i];
      break;
    case 5:
      for (int64_t i = 0; i < length; i++) x[i] = 1.0f / (1.0f + expf(-x[i]));
      break;
    case 6:
      for (int64_t i = 0; i < length; i++) x[i] = x[i] >= 0.0f ? x[i] : expf(x[i]) - 1.0f;
      break;
    default:
      napi_throw_range_error(env, NULL, "activate: unknown activation kind");
      return NULL;
  }
  return NULL;
}

/* ---- elementwise kernels of svec's fused layers (src/nn/fusedOps.ts) ------------------------
 * Each works on one Float32Array (the WebAssembly heap) at element offsets, bounds-checked, in
 * float32 with no contraction (-ffp-contract=off), operation for operation as TF.js's wasm kernels
 * compute the composed ops, so that relu layers, Adam and the soft update give bit-identical
 * results (test/nn/fusedOps.test.ts). Activations: 0 linear, 1 relu, 2 tanh, 3 mish.
 */

/* Reads argument k as a non-negative int64 offset or size. */
static bool arg_index(napi_env env, napi_value value, int64_t* out) {
  if (napi_get_value_int64(env, value, out) != napi_ok || *out < 0) {
    napi_throw_range_error(env, NULL, "svec_blas: an offset or size is negative or not a number");
    return false;
  }
  return true;
}

/* The heap argument, with [offset, offset + count) of each listed range inside it. */
static bool heap_ranges(napi_env env, napi_value value, float** heap, const int64_t* ranges, size_t pairs) {
  size_t length;
  if (!get_f32(env, value, heap, &length)) {
    napi_throw_type_error(env, NULL, "svec_blas: the heap must be a Float32Array");
    return false;
  }
  for (size_t k = 0; k < pairs; k++) {
    if ((uint64_t)(ranges[2 * k] + ranges[2 * k + 1]) > length) {
      napi_throw_range_error(env, NULL, "svec_blas: a range extends past the end of the heap");
      return false;
    }
  }
  return true;
}

#define GET_ARGS(n)                                                            \
  size_t argc = (n);                                                           \
  napi_value argv[(n)];                                                        \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                 \
  if (argc != (n)) {                                                           \
    napi_throw_type_error(env, NULL, "svec_blas: wrong number of arguments");  \
    return NULL;                                                               \
  }

/* e^x in float32 ops only (Cephes' expf: Cody-Waite reduction, degree-6 polynomial; within
   1 ulp of exp, measured max relative error 7.8e-8 over [-87, 88]), so that loops using it
   vectorize; glibc's expf is a scalar call. Used by mish and tanh only (relu, Adam, the chain
   need none). */
static inline float exp_vec(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float t = x * 1.44269504088896341f;
  const float n = (t + 12582912.0f) - 12582912.0f; /* round to nearest in float ops (1.5 2^23) */
  const int32_t ni = (int32_t)n;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const union { int32_t i; float f; } scale = {.i = (ni + 127) << 23};
  return p * scale.f;
}

/* tanh in float32 ops (Cephes' tanhf: an odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1)
   above), both computed and one selected, so that loops vectorize; glibc's tanhf is scalar. */
static inline float tanh_vec(float x) {
  const float a = x < 0.0f ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = 1.0f - 2.0f / (exp_vec(a + a) + 1.0f);
  const float large = x < 0.0f ? -big : big;
  return a < 0.625f ? small : large;
}

static inline float mish_of(float z) {
  /* z tanh(ln(1 + e^z)) = z n / (n + 2) with n = e^z (e^z + 2): one exp, no cancellation */
  const float e = exp_vec(z), n = e * (e + 2.0f);
  const float m = z * n / (n + 2.0f);
  return z > 20.0f ? z : m; /* tanh(softplus(z)) is 1 in float32 */
}

static inline float mish_grad(float z) {
  /* d/dz z tanh(sp(z)) = tanh(sp) + z (1 - tanh(sp)^2) sigmoid(z), with e = e^z:
     tanh(sp) = (e^2 + 2e) / (e^2 + 2e + 2), sigmoid = e / (1 + e) */
  const float e = exp_vec(z), n = e * e + 2.0f * e, d = n + 2.0f, th = n / d;
  const float g = th + z * (1.0f - th * th) * (e / (1.0f + e));
  return z > 20.0f ? 1.0f : g;
}

/* The elementwise loops below are compiled for AVX-512, AVX2 and baseline x86-64 and picked at
   load time (GCC target_clones): wider vectors, the same float32 operation for every element
   (no contraction), so results do not depend on the clone. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__) /* ifuncs: glibc */
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES /* one build for the target's baseline (other CPUs, compilers, C libraries) */
#endif

VECTOR_CLONES static void bias_act_row(int32_t kind, float* z, float* h, const float* b, int64_t cols) {
  switch (kind) {
    case 0:
      for (int64_t c = 0; c < cols; c++) h[c] = z[c] = z[c] + b[c];
      break;
    case 1:
      for (int64_t c = 0; c < cols; c++) {
        const float v = z[c] + b[c];
        z[c] = v;
        h[c] = v < 0.0f ? 0.0f : v;
      }
      break;
    case 2:
      for (int64_t c = 0; c < cols; c++) {
        const float v = z[c] + b[c];
        z[c] = v;
        h[c] = tanh_vec(v);
      }
      break;
    default:
      for (int64_t c = 0; c < cols; c++) {
        const float v = z[c] + b[c];
        z[c] = v;
        h[c] = mish_of(v);
      }
  }
}

VECTOR_CLONES static void act_grad_loop(int32_t kind, const float* dy, const float* s, float* dz, int64_t n) {
  switch (kind) {
    case 0:
      if (dz != dy) memmove(dz, dy, sizeof(float) * (size_t)n);
      break;
    case 1: /* TF.js: dy * step(x) (step(NaN) = NaN); relu(x) > 0 exactly when x > 0. Selects, not
               branches, so that the loop vectorizes (30x faster than the nested conditional). */
      for (int64_t i = 0; i < n; i++) {
        float mask = s[i] > 0.0f ? 1.0f : 0.0f;
        mask = s[i] != s[i] ? s[i] : mask;
        dz[i] = dy[i] * mask;
      }
      break;
    case 2: /* TF.js: (1 - y^2) dy */
      for (int64_t i = 0; i < n; i++) dz[i] = (1.0f - s[i] * s[i]) * dy[i];
      break;
    default:
      for (int64_t i = 0; i < n; i++) dz[i] = dy[i] * mish_grad(s[i]);
  }
}

/* biasAct(kind, heap, z, bias, biasGroupStride, groups, rows, cols, h):
   z[g, r, c] += bias[g * biasGroupStride + c]; h[g, r, c] = act(z[g, r, c]) (h may be z). */
static napi_value BiasAct(napi_env env, napi_callback_info info) {
  GET_ARGS(9);
  int32_t kind;
  int64_t zOff, bOff, bStride, groups, rows, cols, hOff;
  CHECK(napi_get_value_int32(env, argv[0], &kind));
  if (!arg_index(env, argv[2], &zOff) || !arg_index(env, argv[3], &bOff) || !arg_index(env, argv[4], &bStride) || !arg_index(env, argv[5], &groups) ||
      !arg_index(env, argv[6], &rows) || !arg_index(env, argv[7], &cols) || !arg_index(env, argv[8], &hOff))
    return NULL;
  const int64_t n = groups * rows * cols;
  const int64_t ranges[] = {zOff, n, hOff, n, bOff, groups == 0 ? 0 : (groups - 1) * bStride + cols};
  float* heap;
  if (!heap_ranges(env, argv[1], &heap, ranges, 3)) return NULL;
  if (kind < 0 || kind > 3) {
    napi_throw_range_error(env, NULL, "biasAct: unknown activation kind");
    return NULL;
  }
  for (int64_t g = 0; g < groups; g++) {
    const float* b = heap + bOff + g * bStride;
    for (int64_t r = 0; r < rows; r++) bias_act_row(kind, heap + zOff + (g * rows + r) * cols, heap + hOff + (g * rows + r) * cols, b, cols);
  }
  return NULL;
}

/* actGrad(kind, heap, dy, saved, n, dz): dz = dy * act'(.), where saved is the activation's
   output for relu and tanh (as TF.js's gradients use) and its input for mish; dz may be dy. */
static napi_value ActGrad(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  int32_t kind;
  int64_t dyOff, sOff, n, dzOff;
  CHECK(napi_get_value_int32(env, argv[0], &kind));
  if (!arg_index(env, argv[2], &dyOff) || !arg_index(env, argv[3], &sOff) || !arg_index(env, argv[4], &n) || !arg_index(env, argv[5], &dzOff)) return NULL;
  const int64_t ranges[] = {dyOff, n, sOff, n, dzOff, n};
  float* heap;
  if (!heap_ranges(env, argv[1], &heap, ranges, 3)) return NULL;
  if (kind < 0 || kind > 3) {
    napi_throw_range_error(env, NULL, "actGrad: unknown activation kind");
    return NULL;
  }
  act_grad_loop(kind, heap + dyOff, heap + sOff, heap + dzOff, n);
  return NULL;
}

/* biasGrad(heap, dz, groups, rows, cols, db): db[g, c] = sum over r of dz[g, r, c], summed in
   order of r in float32 (TF.js's Sum over the rows). */
static napi_value BiasGrad(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  int64_t dzOff, groups, rows, cols, dbOff;
  if (!arg_index(env, argv[1], &dzOff) || !arg_index(env, argv[2], &groups) || !arg_index(env, argv[3], &rows) || !arg_index(env, argv[4], &cols) ||
      !arg_index(env, argv[5], &dbOff))
    return NULL;
  const int64_t ranges[] = {dzOff, groups * rows * cols, dbOff, groups * cols};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 2)) return NULL;
  for (int64_t g = 0; g < groups; g++) {
    float* db = heap + dbOff + g * cols;
    if (rows == 1) { /* TF.js passes the gradient through when nothing was broadcast (keeping -0) */
      memcpy(db, heap + dzOff + g * cols, sizeof(float) * (size_t)cols);
      continue;
    }
    for (int64_t c = 0; c < cols; c++) db[c] = 0.0f;
    for (int64_t r = 0; r < rows; r++) {
      const float* dz = heap + dzOff + (g * rows + r) * cols;
      for (int64_t c = 0; c < cols; c++) db[c] += dz[c];
    }
  }
  return NULL;
}

/* groupSquares(heap, g, n, groups, out): out[k] = sum of g[i]^2 over group k's n / groups
   elements, in order, in float32 (TF.js's sum(reshape(square(g), [groups, -1]), 1)). out is a
   Float32Array of its own. */
static napi_value GroupSquares(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  int64_t gOff, n, groups;
  if (!arg_index(env, argv[1], &gOff) || !arg_index(env, argv[2], &n) || !arg_index(env, argv[3], &groups)) return NULL;
  const int64_t ranges[] = {gOff, n};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 1)) return NULL;
  float* out;
  size_t outLength;
  if (!get_f32(env, argv[4], &out, &outLength) || (int64_t)outLength < groups || groups < 1 || n % groups != 0) {
    napi_throw_range_error(env, NULL, "groupSquares: out must hold one value per group, and groups must divide n");
    return NULL;
  }
  const int64_t per = n / groups;
  /* Each group's sum stays in order; up to 8 groups advance together (independent chains). */
  for (int64_t k0 = 0; k0 < groups; k0 += 8) {
    const int64_t lanes = groups - k0 < 8 ? groups - k0 : 8;
    float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const float* g = heap + gOff + k0 * per;
    if (lanes == 8) {
      for (int64_t i = 0; i < per; i++)
        for (int j = 0; j < 8; j++) sum[j] += g[j * per + i] * g[j * per + i];
    } else {
      for (int64_t i = 0; i < per; i++)
        for (int64_t j = 0; j < lanes; j++) sum[j] += g[j * per + i] * g[j * per + i];
    }
    for (int64_t j = 0; j < lanes; j++) out[k0 + j] = sum[j];
  }
  return NULL;
}

/* One Adam step over n elements (restrict: the outputs are fresh tensors, so that it vectorizes). */
VECTOR_CLONES static void adam_range(const float* restrict g, const float* restrict p, const float* restrict m, const float* restrict v, float* restrict pOut,
                       float* restrict mOut, float* restrict vOut, int64_t n, float scale, float b1, float omb1, float b2, float omb2, float oma1,
                       float oma2, float eps, float nlr) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] * scale;
    const float mi = m[i] * b1 + gi * omb1;
    const float vi = v[i] * b2 + (gi * gi) * omb2;
    const float mhat = mi / oma1, vhat = vi / oma2;
    const float step = mhat / (sqrtf(vhat) + eps);
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = step * nlr + p[i];
  }
}

/* adamStep(heap, [g, p, m, v, pOut, mOut, vOut], n, groups, scales | null, [b1, 1-b1, b2, 1-b2,
   1-b1^t, 1-b2^t, eps, -lr]): TF.js's Adam update, op for op in float32, on the gradient scaled by
   scales[group] (the per-agent clip) when scales is given:
     g' = g s; m' = m b1 + g' (1-b1); v' = v b2 + g'^2 (1-b2);
     p' = (m' / (1-b1^t)) / (sqrt(v' / (1-b2^t)) + eps) (-lr) + p.
   The outputs must not overlap any other array (checked). */
static napi_value AdamStep(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  int64_t offs[7], n, groups;
  double c[8];
  napi_value item;
  for (uint32_t k = 0; k < 7; k++) {
    CHECK(napi_get_element(env, argv[1], k, &item));
    if (!arg_index(env, item, &offs[k])) return NULL;
  }
  for (uint32_t k = 0; k < 8; k++) {
    CHECK(napi_get_element(env, argv[5], k, &item));
    CHECK(napi_get_value_double(env, item, &c[k]));
  }
  if (!arg_index(env, argv[2], &n) || !arg_index(env, argv[3], &groups)) return NULL;
  const int64_t ranges[] = {offs[0], n, offs[1], n, offs[2], n, offs[3], n, offs[4], n, offs[5], n, offs[6], n};
  for (int a = 4; a < 7; a++)
    for (int b = 0; b < 7; b++)
      if (a != b && offs[a] < offs[b] + n && offs[b] < offs[a] + n) {
        napi_throw_range_error(env, NULL, "adamStep: an output overlaps another array");
        return NULL;
      }
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 7)) return NULL;
  float* scales = NULL;
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[4], &type));
  if (type != napi_null) {
    size_t length;
    if (!get_f32(env, argv[4], &scales, &length) || groups < 1 || (int64_t)length < groups || n % groups != 0) {
      napi_throw_range_error(env, NULL, "adamStep: scales must be a Float32Array with one value per group, and groups must divide n");
      return NULL;
    }
  }
  const float b1 = (float)c[0], omb1 = (float)c[1], b2 = (float)c[2], omb2 = (float)c[3], oma1 = (float)c[4], oma2 = (float)c[5], eps = (float)c[6],
              nlr = (float)c[7];
  const int64_t parts = scales ? groups : 1, per = n / parts;
  for (int64_t k = 0; k < parts; k++) {
    /* g 1 = g exactly, so the unclipped step is the same loop */
    adam_range(heap + offs[0] + k * per, heap + offs[1] + k * per, heap + offs[2] + k * per, heap + offs[3] + k * per, heap + offs[4] + k * per,
               heap + offs[5] + k * per, heap + offs[6] + k * per, per, scales ? scales[k] : 1.0f, b1, omb1, b2, omb2, oma1, oma2, eps, nlr);
  }
  return NULL;
}

/* lerp(heap, t, v, out, n, a, b): out = t a + v b (TF.js's add(mul(t, a), mul(v, b))). */
static napi_value Lerp(napi_env env, napi_callback_info info) {
  GET_ARGS(7);
  int64_t tOff, vOff, oOff, n;
  double a, b;
  if (!arg_index(env, argv[1], &tOff) || !arg_index(env, argv[2], &vOff) || !arg_index(env, argv[3], &oOff) || !arg_index(env, argv[4], &n)) return NULL;
  CHECK(napi_get_value_double(env, argv[5], &a));
  CHECK(napi_get_value_double(env, argv[6], &b));
  const int64_t ranges[] = {tOff, n, vOff, n, oOff, n};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 3)) return NULL;
  const float fa = (float)a, fb = (float)b;
  const float *t = heap + tOff, *v = heap + vOff;
  float* out = heap + oOff;
  for (int64_t i = 0; i < n; i++) out[i] = t[i] * fa + v[i] * fb;
  return NULL;
}

/* e^(x - max) as XNNPACK's f32 "rr2_p5" exp-minus-max (TF.js's wasm Softmax): x - max rounded to
   a multiple of ln 2 with a magic bias, a two-constant Cody-Waite reduction, a degree-5
   polynomial, outputs below -87.34 (denormal cutoff) flushed to 0; wasm SIMD has no fused
   multiply-add, so every product and sum rounds on its own, as here (-ffp-contract=off). */
static inline float exp_minus_max_rr2_p5(float vx) {
  const float vlog2e = 0x1.715476p+0f, vmagic_bias = 0x1.8000FEp23f;
  const float vminus_ln2_hi = -0x1.62E400p-1f, vminus_ln2_lo = -0x1.7F7D1Cp-20f;
  const float vc5 = 0x1.0F9F9Cp-7f, vc4 = 0x1.573A1Ap-5f, vc3 = 0x1.555A80p-3f, vc2 = 0x1.FFFDC6p-2f, vc1 = 0x1.FFFFF6p-1f;
  const float vdenorm_cutoff = -0x1.5D589Ep6f;
  float vn = vx * vlog2e + vmagic_bias;
  uint32_t nbits;
  memcpy(&nbits, &vn, 4);
  nbits <<= 23;
  float vs;
  memcpy(&vs, &nbits, 4);
  vn = vn - vmagic_bias;
  float vt = vn * vminus_ln2_hi + vx;
  vt = vn * vminus_ln2_lo + vt;
  float vp = vc5 * vt + vc4;
  vp = vp * vt + vc3;
  vp = vp * vt + vc2;
  vp = vp * vt + vc1;
  vt = vt * vs;
  const float vf = vt * vp + vs;
  return vx < vdenorm_cutoff ? 0.0f : vf;
}

/* softmax over the last axis of [rows, n], as TF.js 4.22's wasm Softmax computes it (XNNPACK's
   wasm SIMD kernels): the row's max; e_i = e^(x_i - max); their sum in four lanes (lane l adds
   e_{4b+l} for b = 0, 1, ...), the lanes as (l0 + l2) + (l1 + l3), then the last n mod 4 one by
   one; out_i = e_i (1 / sum). Returns 0 (having written nothing) when x holds a NaN or an
   infinity, whose handling is TF.js's kernel's to decide. */
VECTOR_CLONES static int softmax_rows(const float* restrict x, float* restrict y, int64_t rows, int64_t n) {
  const int64_t size = rows * n;
  int finite = 1;
  for (int64_t i = 0; i < size; i++) finite &= (x[i] - x[i]) == 0.0f; /* NaN for NaN and +-inf */
  if (!finite) return 0;
  /* y = x - the row's max (the max in eight partial maxima: any order gives the same value) */
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * n;
    float m[8];
    for (int l = 0; l < 8; l++) m[l] = xr[0];
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int l = 0; l < 8; l++) m[l] = xr[i + l] > m[l] ? xr[i + l] : m[l];
    for (; i < n; i++) m[0] = xr[i] > m[0] ? xr[i] : m[0];
    float max = m[0];
    for (int l = 1; l < 8; l++) max = m[l] > max ? m[l] : max;
    float* yr = y + r * n;
    for (int64_t k = 0; k < n; k++) yr[k] = xr[k] - max;
  }
  /* e^(x - max) over the whole tensor in one loop, then each row's sum and scale */
  for (int64_t i = 0; i < size; i++) y[i] = exp_minus_max_rr2_p5(y[i]);
  for (int64_t r = 0; r < rows; r++) {
    float* yr = y + r * n;
    float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int l = 0; l < 4; l++) lanes[l] += yr[i + l];
    float sum = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
    for (; i < n; i++) sum += yr[i];
    const float scale = 1.0f / sum;
    for (int64_t k = 0; k < n; k++) yr[k] = yr[k] * scale;
  }
  return 1;
}

/* softmax(heap, x, out, rows, n) -> bool: softmax_rows on the heap (false: a non-finite input, nothing written) */
static napi_value Softmax(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  int64_t xOff, oOff, rows, n;
  if (!arg_index(env, argv[1], &xOff) || !arg_index(env, argv[2], &oOff) || !arg_index(env, argv[3], &rows) || !arg_index(env, argv[4], &n)) return NULL;
  const int64_t ranges[] = {xOff, rows * n, oOff, rows * n};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 2)) return NULL;
  const int done = rows == 0 || n == 0 ? 1 : softmax_rows(heap + xOff, heap + oOff, rows, n);
  napi_value result;
  CHECK(napi_get_boolean(env, done, &result));
  return result;
}

/* the tanh-bound reverse step's loop: x0 = tanh((x - eps c0) inv) (into keep, when given);
   out = x0 cx0 + x cx */
VECTOR_CLONES
static void reverse_step_tanh(const float* restrict x, const float* restrict e, float* restrict keep, float* restrict out, int64_t n, float c0, float inv, float cx0, float cx) {
  if (keep) {
    for (int64_t i = 0; i < n; i++) {
      const float t = tanhf_fdlibm((x[i] - e[i] * c0) * inv);
      keep[i] = t;
      out[i] = t * cx0 + x[i] * cx;
    }
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = tanhf_fdlibm((x[i] - e[i] * c0) * inv) * cx0 + x[i] * cx;
  }
}

/* reverseStep(heap, x, eps, z | -1, n, out, [clip, c0, inv, cx0, cx, sigma], bounded | -1): one step of the
   DDPM reverse chain (src/nn/diffusion.ts), op for op as the composed TF.js ops:
     bound 1 (clip): x0 = clamp((x - eps c0) inv, -1, 1); mean = x0 cx0 + x cx      (c0, inv, cx0, cx)
     bound 2 (tanh): x0 = tanh((x - eps c0) inv);         mean = x0 cx0 + x cx
     bound 0:        mean = (x - eps c0) inv                                       (c0 = noise scale, inv = mean scale)
     out = mean + z sigma (when z is given). With bound 2 and `bounded` given, the tanh values
   x0 are also written there, for the gradient to reuse (the same values: no second tanhf). */
static napi_value ReverseStep(napi_env env, napi_callback_info info) {
  GET_ARGS(8);
  int64_t xOff, eOff, zOff, n, oOff, bOff;
  double c[6];
  napi_value item;
  if (!arg_index(env, argv[1], &xOff) || !arg_index(env, argv[2], &eOff) || !arg_index(env, argv[4], &n) || !arg_index(env, argv[5], &oOff)) return NULL;
  CHECK(napi_get_value_int64(env, argv[3], &zOff));
  CHECK(napi_get_value_int64(env, argv[7], &bOff));
  for (uint32_t k = 0; k < 6; k++) {
    CHECK(napi_get_element(env, argv[6], k, &item));
    CHECK(napi_get_value_double(env, item, &c[k]));
  }
  const int64_t ranges[] = {xOff, n, eOff, n, oOff, n, zOff < 0 ? 0 : zOff, zOff < 0 ? 0 : n, bOff < 0 ? 0 : bOff, bOff < 0 ? 0 : n};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 5)) return NULL;
  const int bound = (int)c[0];
  const float c0 = (float)c[1], inv = (float)c[2], cx0 = (float)c[3], cx = (float)c[4], sigma = (float)c[5];
  const float *x = heap + xOff, *e = heap + eOff, *z = zOff < 0 ? NULL : heap + zOff;
  float* out = heap + oOff;
  float* keep = bound == 2 && bOff >= 0 ? heap + bOff : NULL;
  if (bound == 2) {
    reverse_step_tanh(x, e, keep, out, n, c0, inv, cx0, cx);
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float scaled = (x[i] - e[i] * c0) * inv;
      float mean = scaled;
      if (bound == 1) {
        const float low = scaled < -1.0f ? -1.0f : scaled;
        const float x0 = low > 1.0f ? 1.0f : low;
        mean = x0 * cx0 + x[i] * cx;
      }
      out[i] = mean;
    }
  }
  if (z) for (int64_t i = 0; i < n; i++) out[i] = out[i] + z[i] * sigma;
  return NULL;
}

/* reverseStepGrad(heap, x, eps, dout, n, dx, deps, [clip, c0, inv, cx0, cx], bounded | -1): the gradient of
   reverseStep w.r.t. x and eps, as TF.js's gradients of the composed ops give it (tanh: from the
   forward's saved tanh values when `bounded` is given, else recomputed):
     clip: d = (x0 in [-1, 1] ? dout cx0 : 0) inv; dx = dout cx + d; deps = (-d) c0
     tanh: d = dout cx0 (1 - tanh(scaled)^2) inv;   dx = dout cx + d; deps = (-d) c0
     else: d = dout inv; dx = d; deps = (-d) c0 */
static napi_value ReverseStepGrad(napi_env env, napi_callback_info info) {
  GET_ARGS(9);
  int64_t xOff, eOff, dOff, n, dxOff, deOff, bOff;
  double c[5];
  napi_value item;
  if (!arg_index(env, argv[1], &xOff) || !arg_index(env, argv[2], &eOff) || !arg_index(env, argv[3], &dOff) || !arg_index(env, argv[4], &n) ||
      !arg_index(env, argv[5], &dxOff) || !arg_index(env, argv[6], &deOff))
    return NULL;
  CHECK(napi_get_value_int64(env, argv[8], &bOff));
  for (uint32_t k = 0; k < 5; k++) {
    CHECK(napi_get_element(env, argv[7], k, &item));
    CHECK(napi_get_value_double(env, item, &c[k]));
  }
  const int64_t ranges[] = {xOff, n, eOff, n, dOff, n, dxOff, n, deOff, n, bOff < 0 ? 0 : bOff, bOff < 0 ? 0 : n};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 6)) return NULL;
  const int bound = (int)c[0];
  const float c0 = (float)c[1], inv = (float)c[2], cx0 = (float)c[3], cx = (float)c[4];
  const float *x = heap + xOff, *e = heap + eOff, *dout = heap + dOff;
  float *dx = heap + dxOff, *de = heap + deOff;
  if (bound == 2 && bOff >= 0) {
    const float* kept = heap + bOff;
    for (int64_t i = 0; i < n; i++) {
      const float t = kept[i];
      const float d = dout[i] * cx0 * (1.0f - t * t) * inv;
      dx[i] = dout[i] * cx + d;
      de[i] = (-d) * c0;
    }
  } else if (bound == 2) {
    for (int64_t i = 0; i < n; i++) {
      const float t = tanhf_fdlibm((x[i] - e[i] * c0) * inv);
      const float d = dout[i] * cx0 * (1.0f - t * t) * inv;
      dx[i] = dout[i] * cx + d;
      de[i] = (-d) * c0;
    }
  } else if (bound == 1) {
    for (int64_t i = 0; i < n; i++) {
      const float scaled = (x[i] - e[i] * c0) * inv;
      const float through = dout[i] * cx0;
      const float dx0 = scaled >= -1.0f && scaled <= 1.0f ? through : 0.0f;
      const float d = dx0 * inv;
      dx[i] = dout[i] * cx + d;
      de[i] = (-d) * c0;
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float d = dout[i] * inv;
      dx[i] = d;
      de[i] = (-d) * c0;
    }
  }
  return NULL;
}

/* ---- standard normals for DMADRL's noise (src/random/normals.ts) -----------------------------
 * Box-Muller on xoroshiro128+ uniforms, with svec's own ln, sin and cos written in double +, -, *
 * and / only (no libm: glibc's results differ between versions and FMA/non-FMA builds, and V8's
 * Math.log/sin/cos differ from glibc's in 3-7% of Box-Muller's inputs). src/random/normals.ts performs the same
 * operations in the same order in JavaScript, so both give the same bits on every x86-64 machine
 * (-ffp-contract=off: no fused multiply-adds). The values are those of Math's Box-Muller up to
 * ~1e-14 relative, so the float32 normals agree with RandomStream.fillNormal's but in the last bit
 * now and then. */

/* Box-Muller for a block of uniform pairs: rc, rs = sqrt(-2 ln u1) (cos, sin)(2 pi u2).
   ln(u), u in (0, 1]: u = m 2^e with m in (sqrt(1/2), sqrt(2)], ln m = 2 atanh(s), s = (m - 1) /
   (m + 1), |s| <= 0.1716: the series to s^19 (truncation below 1e-16 relative).
   cos, sin of a in [0, 2 pi]: a = k pi/2 + r, |r| <= pi/4 (pi/2 in two parts; k <= 4, so k pi/2's
   first part is exact), Taylor series of sin r to r^13 and cos r to r^14 (below 3e-14).
   Written without branches so that the loop vectorizes (VECTOR_CLONES, above): every clone
   gives the same bits, and random/normals.ts's lnUnit and cosSin give them too. */
VECTOR_CLONES
static void box_muller_block(const double* restrict u1, const double* restrict u2, int pairs, double* restrict rc, double* restrict rs) {
  for (int p = 0; p < pairs; p++) {
    uint64_t bits;
    const double u = u1[p];
    memcpy(&bits, &u, sizeof bits);
    /* the exponent as a double, exactly: 2^52 + biased exponent, minus 2^52 + 1023 */
    const uint64_t exponent_bits = (bits >> 52) | 0x4330000000000000ull;
    double biased;
    memcpy(&biased, &exponent_bits, sizeof biased);
    double de = biased - 4503599627371519.0;
    const uint64_t mantissa_bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double m;
    memcpy(&m, &mantissa_bits, sizeof m);
    const int big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    de = big ? de + 1.0 : de;
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    double q = 1.0 / 19.0;
    q = q * z + 1.0 / 17.0;
    q = q * z + 1.0 / 15.0;
    q = q * z + 1.0 / 13.0;
    q = q * z + 1.0 / 11.0;
    q = q * z + 1.0 / 9.0;
    q = q * z + 1.0 / 7.0;
    q = q * z + 1.0 / 5.0;
    q = q * z + 1.0 / 3.0;
    const double lnm = (s + s) + (s + s) * (z * q);
    const double ln = de * 6.93147180369123816490e-01 + (de * 1.90821492927058770002e-10 + lnm);
    const double radius = sqrt(-2.0 * ln);
    const double a = 6.283185307179586 * u2[p];
    const int k = (int)(a * 6.36619772367581382433e-01 + 0.5);
    const double dk = (double)k;
    const double r = (a - dk * 1.57079632673412561417e+00) - dk * 6.07710050650619224932e-11;
    const double rr = r * r;
    double ps = 1.0 / 6227020800.0;
    ps = ps * rr - 1.0 / 39916800.0;
    ps = ps * rr + 1.0 / 362880.0;
    ps = ps * rr - 1.0 / 5040.0;
    ps = ps * rr + 1.0 / 120.0;
    ps = ps * rr - 1.0 / 6.0;
    const double sr = r + r * (rr * ps);
    double pc = -1.0 / 87178291200.0;
    pc = pc * rr + 1.0 / 479001600.0;
    pc = pc * rr - 1.0 / 3628800.0;
    pc = pc * rr + 1.0 / 40320.0;
    pc = pc * rr - 1.0 / 720.0;
    pc = pc * rr + 1.0 / 24.0;
    pc = pc * rr - 0.5;
    const double cr = 1.0 + rr * pc;
    /* quadrant k: (cos, sin) = (cr, sr), (-sr, cr), (-cr, -sr), (sr, -cr) */
    const int odd = k & 1, negate_cos = ((k + 1) & 2) != 0, negate_sin = (k & 2) != 0;
    const double cq = odd ? sr : cr, sq = odd ? cr : sr;
    rc[p] = radius * (negate_cos ? -cq : cq);
    rs[p] = radius * (negate_sin ? -sq : sq);
  }
}

/* One xoroshiro128+ step as pure-rand's generator takes it: the low 32 bits of s0 + s1. */
static inline uint32_t xoroshiro_next(uint64_t* s0, uint64_t* s1) {
  const uint32_t out = (uint32_t)(*s0 + *s1);
  const uint64_t a = *s1 ^ *s0;
  *s0 = ((*s0 << 24) | (*s0 >> 40)) ^ a ^ (a << 16);
  *s1 = (a << 37) | (a >> 27);
  return out;
}

/* A uniform in [0, 1) from two steps, as RandomStream.uniform() makes it (53 bits). */
static inline double uniform53(uint64_t* s0, uint64_t* s1) {
  const uint32_t high = xoroshiro_next(s0, s1) >> 5;
  const uint32_t low = xoroshiro_next(s0, s1) >> 6;
  return ((double)high * 67108864.0 + (double)low) / 9007199254740992.0;
}

/* normalFill(out, start, end, state): out[start, end) = standard normals in pairs (u1 redrawn
   while 0, as RandomStream.normal() does); state: the generator's words [s01, s00, s11, s10]
   (pure-rand's order), advanced in place. Returns the pair's second value when end - start is
   odd (the stream caches it), else NaN. */
static napi_value NormalFill(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  float* out;
  size_t length;
  int64_t start, end;
  if (!get_f32(env, argv[0], &out, &length)) {
    napi_throw_type_error(env, NULL, "normalFill: out must be a Float32Array");
    return NULL;
  }
  if (!arg_index(env, argv[1], &start) || !arg_index(env, argv[2], &end)) return NULL;
  if (start > end || (uint64_t)end > length) {
    napi_throw_range_error(env, NULL, "normalFill: [start, end) is not within out");
    return NULL;
  }
  bool is_typedarray = false;
  napi_typedarray_type type;
  size_t words = 0;
  void* raw = NULL;
  napi_value buffer;
  size_t byte_offset;
  if (napi_is_typedarray(env, argv[3], &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, argv[3], &type, &words, &raw, &buffer, &byte_offset) != napi_ok || type != napi_int32_array || words != 4) {
    napi_throw_type_error(env, NULL, "normalFill: state must be an Int32Array of 4 words");
    return NULL;
  }
  uint32_t* w = (uint32_t*)raw;
  uint64_t s0 = ((uint64_t)w[0] << 32) | w[1], s1 = ((uint64_t)w[2] << 32) | w[3];
  double spare = NAN;
  enum { BLOCK = 256 };
  double u1[BLOCK], u2[BLOCK], rc[BLOCK], rs[BLOCK];
  for (int64_t k = start; k < end;) {
    const int64_t left = (end - k + 1) / 2;
    const int pairs = left < BLOCK ? (int)left : BLOCK;
    /* the uniforms in stream order (u1 redrawn while 0), then the block's arithmetic */
    for (int p = 0; p < pairs; p++) {
      double first = uniform53(&s0, &s1);
      while (first == 0.0) first = uniform53(&s0, &s1);
      u1[p] = first;
      u2[p] = uniform53(&s0, &s1);
    }
    box_muller_block(u1, u2, pairs, rc, rs);
    for (int p = 0; p < pairs; p++) {
      out[k++] = (float)rc[p];
      if (k < end) out[k++] = (float)rs[p];
      else spare = rs[p];
    }
  }
  w[0] = (uint32_t)(s0 >> 32), w[1] = (uint32_t)s0, w[2] = (uint32_t)(s1 >> 32), w[3] = (uint32_t)s1;
  napi_value result;
  CHECK(napi_create_double(env, spare, &result));
  return result;
}

/* copy3d(heap, src, srcStride0, srcStride1, dst, dstStride0, dstStride1, n0, n1, width): for
   i < n0, j < n1: heap[dst + i dstStride0 + j dstStride1 + (0..width)] = heap[src + ...], as
   bytes (float32 and int32 alike). The strided copies of Concat, SplitV, Slice and Transpose
   (src/nn/copyKernels.ts). Source and destination must not overlap. */
static napi_value Copy3d(napi_env env, napi_callback_info info) {
  GET_ARGS(10);
  int64_t v[9];
  for (int k = 0; k < 9; k++)
    if (!arg_index(env, argv[k + 1], &v[k])) return NULL;
  const int64_t src = v[0], s0 = v[1], s1 = v[2], dst = v[3], d0 = v[4], d1 = v[5], n0 = v[6], n1 = v[7], width = v[8];
  if (n0 == 0 || n1 == 0 || width == 0) return NULL;
  const int64_t ranges[] = {src, (n0 - 1) * s0 + (n1 - 1) * s1 + width, dst, (n0 - 1) * d0 + (n1 - 1) * d1 + width};
  float* heap;
  if (!heap_ranges(env, argv[0], &heap, ranges, 2)) return NULL;
  /* short runs (a transpose's: 1 to 16 elements) as plain loops: a memcpy call per run costs more than the copy */
  if (width > 16) {
    for (int64_t i = 0; i < n0; i++)
      for (int64_t j = 0; j < n1; j++) memcpy(heap + dst + i * d0 + j * d1, heap + src + i * s0 + j * s1, sizeof(float) * (size_t)width);
  } else if (width == 1) {
    uint32_t* words = (uint32_t*)heap;
    for (int64_t i = 0; i < n0; i++)
      for (int64_t j = 0; j < n1; j++) words[dst + i * d0 + j * d1] = words[src + i * s0 + j * s1];
  } else {
    uint32_t* words = (uint32_t*)heap;
    for (int64_t i = 0; i < n0; i++)
      for (int64_t j = 0; j < n1; j++) {
        uint32_t* to = words + dst + i * d0 + j * d1;
        const uint32_t* from = words + src + i * s0 + j * s1;
        for (int64_t w = 0; w < width; w++) to[w] = from[w];
      }
  }
  return NULL;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1) {
    napi_throw_type_error(env, NULL, "setThreads expects 1 argument");
    return NULL;
  }
  CHECK(napi_get_value_int32(env, argv[0], &n));
  REQUIRE_BLAS();
  blas_set_threads(n < 1 ? 1 : n);
  return NULL;
}

static napi_value GetThreads(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  REQUIRE_BLAS();
  CHECK(napi_create_int32(env, blas_get_threads(), &result));
  return result;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  REQUIRE_BLAS();
  CHECK(napi_create_string_utf8(env, blas_config(), NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char core[64] = "";
  const char* request = NULL; /* undefined: leave OPENBLAS_CORETYPE as it is */
  if (argc >= 1) {
    napi_valuetype type;
    CHECK(napi_typeof(env, argv[0], &type));
    if (type == napi_string) {
      size_t length;
      CHECK(napi_get_value_string_utf8(env, argv[0], core, sizeof core, &length));
      if (length == 0) {
        napi_throw_range_error(env, NULL, "open: empty core type name (pass null for OpenBLAS's own detection)");
        return NULL;
      }
      request = core;
    } else if (type == napi_null) {
      request = ""; /* unset: OpenBLAS's own detection */
    } else if (type != napi_undefined) {
      napi_throw_type_error(env, NULL, "open expects a core type name, null or nothing");
      return NULL;
    }
  }
  char note[sizeof selection_note] = "";
  if (argc >= 2) {
    napi_valuetype type;
    CHECK(napi_typeof(env, argv[1], &type));
    if (type == napi_string) {
      size_t length;
      CHECK(napi_get_value_string_utf8(env, argv[1], note, sizeof note, &length));
    }
  }
  pthread_mutex_lock(&open_lock);
  const bool first = blas_handle == NULL;
  pthread_mutex_unlock(&open_lock);
  if (!open_blas(request)) {
    napi_throw_error(env, NULL, open_error);
    return NULL;
  }
  if (first && note[0]) {
    pthread_mutex_lock(&open_lock);
    if (selection_note[0] == 0) memcpy(selection_note, note, sizeof note);
    pthread_mutex_unlock(&open_lock);
  }
  napi_value result;
  CHECK(napi_create_string_utf8(env, blas_corename(), NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value Loaded(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, value;
  pthread_mutex_lock(&open_lock);
  bool ok = blas_handle != NULL;
  pthread_mutex_unlock(&open_lock);
  if (!ok) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, blas_corename(), NAPI_AUTO_LENGTH, &value));
  CHECK(napi_set_named_property(env, result, "coreName", value));
  if (requested_core[0]) CHECK(napi_create_string_utf8(env, requested_core, NAPI_AUTO_LENGTH, &value));
  else CHECK(napi_get_null(env, &value));
  CHECK(napi_set_named_property(env, result, "requested", value));
  CHECK(napi_create_string_utf8(env, library_path, NAPI_AUTO_LENGTH, &value));
  CHECK(napi_set_named_property(env, result, "library", value));
  pthread_mutex_lock(&open_lock);
  char note[sizeof selection_note];
  memcpy(note, selection_note, sizeof note);
  pthread_mutex_unlock(&open_lock);
  if (note[0]) CHECK(napi_create_string_utf8(env, note, NAPI_AUTO_LENGTH, &value));
  else CHECK(napi_get_null(env, &value));
  CHECK(napi_set_named_property(env, result, "note", value));
  return result;
}

/* Deterministic values in [-1, 1) (an LCG), so every process checks the same products. */
static void fill_uniform(float* x, size_t n, uint32_t seed) {
  uint32_t state = seed * 2654435761u + 12345u;
  for (size_t k = 0; k < n; k++) {
    state = state * 1664525u + 1013904223u;
    x[k] = (float)((double)state / 2147483648.0 - 1.0);
  }
}

static napi_value SelfCheck(napi_env env, napi_callback_info info) {
  (void)info;
  REQUIRE_BLAS();
  /* M, N, K, transA, transB, beta: edge sizes around the kernels' blocking (1, odd, 16/32/64 +- 1),
     a K longer than one block, and the stacked-layer shapes svec uses */
  static const int cases[][6] = {
      {1, 1, 1, 0, 0, 0},     {7, 5, 3, 0, 0, 0},     {17, 33, 65, 0, 1, 0},  {31, 15, 9, 1, 0, 1},
      {64, 64, 64, 0, 0, 0},  {64, 64, 64, 1, 0, 0},  {65, 63, 129, 1, 1, 1}, {130, 70, 257, 0, 0, 1},
      {64, 200, 64, 0, 1, 0}, {200, 64, 64, 1, 0, 0}, {3, 500, 300, 0, 0, 0},
  };
  double worst = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const int M = cases[c][0], N = cases[c][1], K = cases[c][2], tA = cases[c][3], tB = cases[c][4];
    const float beta = (float)cases[c][5];
    float* A = malloc(sizeof(float) * (size_t)M * K);
    float* B = malloc(sizeof(float) * (size_t)K * N);
    float* C = malloc(sizeof(float) * (size_t)M * N);
    float* C0 = malloc(sizeof(float) * (size_t)M * N);
    if (!A || !B || !C || !C0) {
      free(A), free(B), free(C), free(C0);
      napi_throw_error(env, NULL, "selfCheck: out of memory");
      return NULL;
    }
    fill_uniform(A, (size_t)M * K, 1 + (uint32_t)c);
    fill_uniform(B, (size_t)K * N, 101 + (uint32_t)c);
    fill_uniform(C0, (size_t)M * N, 201 + (uint32_t)c);
    memcpy(C, C0, sizeof(float) * (size_t)M * N);
    blas_sgemm(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, M, N, K, 1.0f, A, tA ? M : K, B, tB ? K : N, beta, C, N);
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < N; j++) {
        double sum = beta * (double)C0[(size_t)i * N + j], scale = fabs(sum);
        for (int k = 0; k < K; k++) {
          const double a = tA ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
          const double b = tB ? B[(size_t)j * K + k] : B[(size_t)k * N + j];
          sum += a * b;
          scale += fabs(a * b);
        }
        const double error = fabs((double)C[(size_t)i * N + j] - sum) / (scale > 0 ? scale : 1);
        /* NaN (a broken kernel) must count as the worst error */
        if (!(error <= worst)) worst = isnan(error) ? INFINITY : error;
      }
    }
    free(A), free(B), free(C), free(C0);
  }
  napi_value result;
  CHECK(napi_create_double(env, worst, &result));
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, Open, NULL, NULL, NULL, napi_default, NULL},
      {"loaded", NULL, Loaded, NULL, NULL, NULL, napi_default, NULL},
      {"selfCheck", NULL, SelfCheck, NULL, NULL, NULL, napi_default, NULL},
      {"biasAct", NULL, BiasAct, NULL, NULL, NULL, napi_default, NULL},
      {"actGrad", NULL, ActGrad, NULL, NULL, NULL, napi_default, NULL},
      {"biasGrad", NULL, BiasGrad, NULL, NULL, NULL, napi_default, NULL},
      {"groupSquares", NULL, GroupSquares, NULL, NULL, NULL, napi_default, NULL},
      {"adamStep", NULL, AdamStep, NULL, NULL, NULL, napi_default, NULL},
      {"lerp", NULL, Lerp, NULL, NULL, NULL, napi_default, NULL},
      {"softmax", NULL, Softmax, NULL, NULL, NULL, napi_default, NULL},
      {"reverseStep", NULL, ReverseStep, NULL, NULL, NULL, napi_default, NULL},
      {"reverseStepGrad", NULL, ReverseStepGrad, NULL, NULL, NULL, napi_default, NULL},
      {"normalFill", NULL, NormalFill, NULL, NULL, NULL, napi_default, NULL},
      {"copy3d", NULL, Copy3d, NULL, NULL, NULL, napi_default, NULL},
      {"sgemmStrided", NULL, SgemmStrided, NULL, NULL, NULL, napi_default, NULL},
      {"activate", NULL, Activate, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"getThreads", NULL, GetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
