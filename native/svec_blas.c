/*
 * svec's native matrix products: a minimal Node-API addon over Debian's OpenBLAS cblas_sgemm.
 *
 * sgemmStrided(transA, transB, batch, M, N, K, A, aOffset, strideA, B, bOffset, strideB, C, cOffset, strideC)
 *   for b in [0, batch): C_b (M x N) = op(A_b) op(B_b), row-major, where
 *   X_b starts at element xOffset + b * strideX of the Float32Array X (stride 0 broadcasts).
 *   op(A) is M x K (A stored K x M when transA), op(B) is K x N (B stored N x K when transB).
 * The arrays may be views of the WebAssembly heap: nothing is copied.
 *
 * setThreads(n) / getThreads(): OpenBLAS's thread count (svec uses 1 per process by default and
 * runs independent jobs in worker threads instead).
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <stdbool.h>

extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "svec_blas: invalid arguments to " #call); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static bool get_f32(napi_env env, napi_value value, float** data, size_t* length) {
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
  size_t argc = 15;
  napi_value argv[15];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 15) {
    napi_throw_type_error(env, NULL, "sgemmStrided expects 15 arguments");
    return NULL;
  }
  bool transA, transB;
  int64_t batch, M, N, K, aOffset, strideA, bOffset, strideB, cOffset, strideC;
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
  if (batch < 0 || M < 0 || N < 0 || K < 0 || aOffset < 0 || bOffset < 0 || cOffset < 0 || strideA < 0 || strideB < 0 || strideC < 0) {
    napi_throw_range_error(env, NULL, "sgemmStrided: negative size, offset or stride");
    return NULL;
  }
  if (batch == 0 || M == 0 || N == 0) return NULL;
  /* bounds: the last matrix of each operand must end inside its array */
  if ((size_t)(aOffset + (batch - 1) * strideA + M * K) > lenA || (size_t)(bOffset + (batch - 1) * strideB + K * N) > lenB ||
      (size_t)(cOffset + (batch - 1) * strideC + M * N) > lenC) {
    napi_throw_range_error(env, NULL, "sgemmStrided: a matrix extends past the end of its array");
    return NULL;
  }
  const int lda = transA ? (int)M : (int)K;
  const int ldb = transB ? (int)K : (int)N;
  for (int64_t b = 0; b < batch; b++) {
    float* c = C + cOffset + b * strideC;
    if (K == 0) {
      for (int64_t i = 0; i < M * N; i++) c[i] = 0.0f;
      continue;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1.0f,
                A + aOffset + b * strideA, lda, B + bOffset + b * strideB, ldb, 0.0f, c, (int)N);
  }
  return NULL;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
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

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemmStrided", NULL, SgemmStrided, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"getThreads", NULL, GetThreads, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
