// Convolutions (forward, input gradient, filter gradient) and batched matrix products through oneDNN, the
// library PyTorch's CPU build uses for the same layers. Tensors stay in tfjs layouts: activations NHWC,
// filters [kh, kw, inC, outC] (oneDNN's "hwio"); oneDNN reorders a filter into its blocked layout when the
// chosen kernel wants one. Primitives are cached by geometry, as creating one JIT-compiles code (~ms).
#include <dnnl.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "napi-util.h"

namespace bn {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

/** Conv geometry from JavaScript: [N, H, W, Ci, Co, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, Ho, Wo]. */
struct Geometry {
  int64_t n, h, w, ci, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, ho, wo;
  explicit Geometry(const std::vector<int64_t>& g) {
    if (g.size() != 17) throw std::invalid_argument("conv geometry must have 17 entries");
    n = g[0], h = g[1], w = g[2], ci = g[3], co = g[4], kh = g[5], kw = g[6], sh = g[7], sw = g[8], dh = g[9], dw = g[10];
    pt = g[11], pl = g[12], pb = g[13], pr = g[14], ho = g[15], wo = g[16];
  }
  memory::desc src() const { return {{n, ci, h, w}, dt::f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, co, ho, wo}, dt::f32, tag::nhwc}; }
  memory::desc weightsAny() const { return {{co, ci, kh, kw}, dt::f32, tag::any}; }
  memory::desc weightsUser() const { return {{co, ci, kh, kw}, dt::f32, tag::hwio}; }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const { return {pb, pr}; }
};

dnnl::convolution_forward::primitive_desc forwardPd(const Geometry& g) {
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, g.src(), g.weightsAny(), g.dst(),
                                    g.strides(), g.dilates(), g.padL(), g.padR());
  return {d, engine()};
}

/**
 * A cached primitive with the filter in the layout it wants: `filter` is that layout's buffer when it differs
 * from tfjs' hwio (then `reorder` converts between the two), else empty.
 */
struct ConvEntry {
  dnnl::primitive prim;
  memory::desc filterDesc;
  std::unique_ptr<memory> filter;
  dnnl::reorder reorder;
};

std::mutex cacheMutex;
std::map<std::vector<int64_t>, ConvEntry> cache;

std::vector<int64_t> key(int64_t kind, const std::vector<int64_t>& g) {
  std::vector<int64_t> k(g);
  k.push_back(kind);
  return k;
}

/** Builds the filter buffer and the hwio <-> blocked reorder; `toUser`: from the primitive's layout to hwio. */
void attachFilter(ConvEntry& e, const Geometry& g, const memory::desc& want, bool toUser) {
  e.filterDesc = want;
  if (want == g.weightsUser()) return;
  e.filter = std::make_unique<memory>(want, engine());
  memory user(g.weightsUser(), engine(), DNNL_MEMORY_NONE);
  e.reorder = toUser ? dnnl::reorder(*e.filter, user) : dnnl::reorder(user, *e.filter);
}

ConvEntry& forwardEntry(const std::vector<int64_t>& gv) {
  auto k = key(0, gv);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second;
  Geometry g(gv);
  auto pd = forwardPd(g);
  ConvEntry e;
  e.prim = dnnl::convolution_forward(pd);
  attachFilter(e, g, pd.weights_desc(), false);
  return cache.emplace(k, std::move(e)).first->second;
}

ConvEntry& inputGradEntry(const std::vector<int64_t>& gv) {
  auto k = key(1, gv);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second;
  Geometry g(gv);
  dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, g.src(), g.weightsAny(), g.dst(), g.strides(), g.dilates(),
                                          g.padL(), g.padR());
  dnnl::convolution_backward_data::primitive_desc pd(d, engine(), forwardPd(g));
  ConvEntry e;
  e.prim = dnnl::convolution_backward_data(pd);
  attachFilter(e, g, pd.weights_desc(), false);
  return cache.emplace(k, std::move(e)).first->second;
}

ConvEntry& filterGradEntry(const std::vector<int64_t>& gv) {
  auto k = key(2, gv);
  auto it = cache.find(k);
  if (it != cache.end()) return it->second;
  Geometry g(gv);
  dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, g.src(), g.weightsAny(), g.dst(), g.strides(),
                                             g.dilates(), g.padL(), g.padR());
  dnnl::convolution_backward_weights::primitive_desc pd(d, engine(), forwardPd(g));
  ConvEntry e;
  e.prim = dnnl::convolution_backward_weights(pd);
  attachFilter(e, g, pd.diff_weights_desc(), true);
  return cache.emplace(k, std::move(e)).first->second;
}

void expectSize(const F32& a, int64_t n, const char* what) {
  if (static_cast<int64_t>(a.size) != n) {
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(a.size) + " elements, expected " + std::to_string(n));
  }
}

/** conv2d(x, filter, geometry, out): y[N, Ho, Wo, Co] = conv(x[N, H, W, Ci], filter[kh, kw, Ci, Co]). */
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, "conv2d", [&] {
    auto a = args(env, info, 4, "conv2d");
    F32 x = f32(env, a[0], "x"), f = f32(env, a[1], "filter"), y = f32(env, a[3], "out");
    auto gv = ints(env, a[2], "geometry");
    Geometry g(gv);
    expectSize(x, g.n * g.h * g.w * g.ci, "x");
    expectSize(f, g.kh * g.kw * g.ci * g.co, "filter");
    expectSize(y, g.n * g.ho * g.wo * g.co, "out");
    std::lock_guard<std::mutex> lock(cacheMutex);
    ConvEntry& e = forwardEntry(gv);
    memory src(g.src(), engine(), x.data), dst(g.dst(), engine(), y.data), user(g.weightsUser(), engine(), f.data);
    if (e.filter) e.reorder.execute(stream(), user, *e.filter);
    e.prim.execute(stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, e.filter ? *e.filter : user}, {DNNL_ARG_DST, dst}});
    stream().wait();
    return undefined(env);
  });
}

/** conv2dBackpropInput(dy, filter, geometry, dx): dx[N, H, W, Ci], the gradient of conv2d with respect to x. */
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  return guarded(env, "conv2dBackpropInput", [&] {
    auto a = args(env, info, 4, "conv2dBackpropInput");
    F32 dy = f32(env, a[0], "dy"), f = f32(env, a[1], "filter"), dx = f32(env, a[3], "out");
    auto gv = ints(env, a[2], "geometry");
    Geometry g(gv);
    expectSize(dy, g.n * g.ho * g.wo * g.co, "dy");
    expectSize(f, g.kh * g.kw * g.ci * g.co, "filter");
    expectSize(dx, g.n * g.h * g.w * g.ci, "out");
    std::lock_guard<std::mutex> lock(cacheMutex);
    ConvEntry& e = inputGradEntry(gv);
    memory diffSrc(g.src(), engine(), dx.data), diffDst(g.dst(), engine(), dy.data), user(g.weightsUser(), engine(), f.data);
    if (e.filter) e.reorder.execute(stream(), user, *e.filter);
    e.prim.execute(stream(), {{DNNL_ARG_DIFF_SRC, diffSrc}, {DNNL_ARG_WEIGHTS, e.filter ? *e.filter : user}, {DNNL_ARG_DIFF_DST, diffDst}});
    stream().wait();
    return undefined(env);
  });
}

/** conv2dBackpropFilter(x, dy, geometry, dFilter): dFilter[kh, kw, Ci, Co], the gradient with respect to the filter. */
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  return guarded(env, "conv2dBackpropFilter", [&] {
    auto a = args(env, info, 4, "conv2dBackpropFilter");
    F32 x = f32(env, a[0], "x"), dy = f32(env, a[1], "dy"), df = f32(env, a[3], "out");
    auto gv = ints(env, a[2], "geometry");
    Geometry g(gv);
    expectSize(x, g.n * g.h * g.w * g.ci, "x");
    expectSize(dy, g.n * g.ho * g.wo * g.co, "dy");
    expectSize(df, g.kh * g.kw * g.ci * g.co, "out");
    std::lock_guard<std::mutex> lock(cacheMutex);
    ConvEntry& e = filterGradEntry(gv);
    memory src(g.src(), engine(), x.data), diffDst(g.dst(), engine(), dy.data), user(g.weightsUser(), engine(), df.data);
    e.prim.execute(stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_WEIGHTS, e.filter ? *e.filter : user}, {DNNL_ARG_DIFF_DST, diffDst}});
    if (e.filter) e.reorder.execute(stream(), *e.filter, user);
    stream().wait();
    return undefined(env);
  });
}

std::map<std::vector<int64_t>, dnnl::matmul> matmulCache;

/**
 * batchMatMul(a, b, [batchA, batchB, M, N, K, transposeA, transposeB], out): out[B, M, N] = a[B, M, K] x b[B, K, N],
 * with a stored as [B, K, M] when transposeA and b as [B, N, K] when transposeB; a batch of 1 broadcasts.
 */
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  return guarded(env, "batchMatMul", [&] {
    auto a = args(env, info, 4, "batchMatMul");
    F32 x = f32(env, a[0], "a"), w = f32(env, a[1], "b"), y = f32(env, a[3], "out");
    auto p = ints(env, a[2], "matmul geometry");
    if (p.size() != 7) throw std::invalid_argument("matmul geometry must have 7 entries");
    int64_t ba = p[0], bb = p[1], m = p[2], n = p[3], k = p[4];
    bool ta = p[5] != 0, tb = p[6] != 0;
    int64_t bo = std::max(ba, bb);
    if ((ba != bo && ba != 1) || (bb != bo && bb != 1)) throw std::invalid_argument("batch sizes must match or be 1");
    expectSize(x, ba * m * k, "a");
    expectSize(w, bb * k * n, "b");
    expectSize(y, bo * m * n, "out");
    memory::desc am({ba, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    memory::desc bm({bb, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    memory::desc om({bo, m, n}, dt::f32, memory::dims{m * n, n, 1});
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto it = matmulCache.find(p);
    if (it == matmulCache.end()) {
      dnnl::matmul::desc d(am, bm, om);
      it = matmulCache.emplace(p, dnnl::matmul(dnnl::matmul::primitive_desc(d, engine()))).first;
    }
    memory A(am, engine(), x.data), B(bm, engine(), w.data), O(om, engine(), y.data);
    it->second.execute(stream(), {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, B}, {DNNL_ARG_DST, O}});
    stream().wait();
    return undefined(env);
  });
}

}  // namespace

std::vector<Export> dnnlExports() {
  return {{"conv2d", Conv2d}, {"conv2dBackpropInput", Conv2dBackpropInput}, {"conv2dBackpropFilter", Conv2dBackpropFilter}, {"batchMatMul", BatchMatMul}};
}

}  // namespace bn
