// Entry point of the blockwise-ssl native addon: registers the kernels of every source file.
#include <omp.h>

#include "napi-util.h"

namespace bn {
std::vector<Export> dnnlExports();
std::vector<Export> elementwiseExports();
std::vector<Export> reduceExports();
std::vector<Export> transformExports();
std::vector<Export> batchNormExports();

namespace {

/** setNumThreads(n): threads for oneDNN and the elementwise kernels (OpenMP). */
napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  return guarded(env, "setNumThreads", [&] {
    auto a = args(env, info, 1, "setNumThreads");
    int64_t n = i64(env, a[0], "threads");
    if (n < 1) throw std::invalid_argument("threads must be >= 1, got " + std::to_string(n));
    omp_set_num_threads(static_cast<int>(n));
    return undefined(env);
  });
}

/** numThreads(): the current thread count. */
napi_value NumThreads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, omp_get_max_threads(), &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  std::vector<Export> all = {{"setNumThreads", SetNumThreads}, {"numThreads", NumThreads}};
  for (auto part : {dnnlExports(), elementwiseExports(), reduceExports(), transformExports(), batchNormExports()}) all.insert(all.end(), part.begin(), part.end());
  for (const auto& e : all) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}

}  // namespace
}  // namespace bn

NAPI_MODULE(NODE_GYP_MODULE_NAME, bn::Init)
