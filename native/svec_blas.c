/*
 * svec's native matrix products: a minimal Node-API addon (plain C, node_api.h only) over
 * Debian's OpenBLAS cblas_sgemm. TF.js's WebAssembly backend multiplies matrices at ~1 GFLOP/s
 * in Node; OpenBLAS does ~90 on one core here. src/nn/nativeKernels.ts registers kernels that
 * call this directly on the WebAssembly heap.
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
 *   worker threads share one OpenBLAS). The first load in a process sets it to 1: svec gets its
 *   parallelism from independent runs in worker threads, one per core, and a multi-threaded
 *   OpenBLAS under them would oversubscribe the cores (its spinning threads then slow
 *   everything down); at svec's sizes (64-256) one thread is also the fastest per product.
 *
 * config(): OpenBLAS's build description (version, core type, MAX_THREADS).
 */
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

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
  const int lda = transA ? (int)M : (int)K;
  const int ldb = transB ? (int)K : (int)N;
  for (int64_t b = 0; b < batch; b++) {
    float* c = C + cOffset + b * strideC;
    if (K == 0) { /* sgemm with K = 0 is allowed, but some BLAS builds reject lda = 0 */
      for (int64_t i = 0; i < M * N; i++) c[i] = beta == 0.0 ? 0.0f : (float)beta * c[i];
      continue;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
                1.0f, A + aOffset + b * strideA, lda, B + bOffset + b * strideB, ldb, (float)beta, c, (int)N);
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
  openblas_set_num_threads(n < 1 ? 1 : n);
  return NULL;
}

static napi_value GetThreads(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &result));
  return result;
}

/* once per process, not once per worker thread that loads the addon */
static atomic_flag threads_defaulted = ATOMIC_FLAG_INIT;

static napi_value Init(napi_env env, napi_value exports) {
  if (!atomic_flag_test_and_set(&threads_defaulted)) openblas_set_num_threads(1);
  napi_property_descriptor props[] = {
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
