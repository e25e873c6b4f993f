// Elementwise kernels: binary ops with NumPy broadcasting, comparisons (to tfjs 'bool' = uint8), unary ops,
// AddN. Two threads (OpenMP) once a tensor is large enough to pay for waking them.
#include <cmath>

#include "broadcast.h"
#include "napi-util.h"

namespace bn {
namespace {

constexpr int64_t kParallelMin = 1 << 15;

/** Binary op codes; the order is mirrored by `BINARY_OPS` in lib/backend/native-addon.ts. */
enum Binary { kAdd, kSub, kMul, kDiv, kMax, kMin, kSquaredDifference, kPow, kReluGrad, kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

template <typename Out, typename F>
void broadcastLoop(const float* a, const float* b, Out* out, const Plan& p, F f) {
  int64_t inner = p.dims.back();
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < p.dims.size(); d++) outer *= p.dims[d];
  int64_t sa = p.strides[0].back(), sb = p.strides[1].back();
  if (outer == 1) {
    // One run of elements: the threads split the run itself.
    if (sa == 1 && sb == 1) {
#pragma omp parallel for schedule(static) if (inner >= kParallelMin)
      for (int64_t i = 0; i < inner; i++) out[i] = f(a[i], b[i]);
    } else if (sa == 1) {
      float bv = b[0];
#pragma omp parallel for schedule(static) if (inner >= kParallelMin)
      for (int64_t i = 0; i < inner; i++) out[i] = f(a[i], bv);
    } else if (sb == 1) {
      float av = a[0];
#pragma omp parallel for schedule(static) if (inner >= kParallelMin)
      for (int64_t i = 0; i < inner; i++) out[i] = f(av, b[i]);
    } else {
      out[0] = f(a[0], b[0]);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (outer * inner >= kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    int64_t off[3];
    outerOffsets(p, o, off);
    const float* x = a + off[0];
    const float* y = b + off[1];
    Out* z = out + off[2];
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < inner; i++) z[i] = f(x[i], y[i]);
    } else if (sa == 1) {
      float yv = y[0];
      for (int64_t i = 0; i < inner; i++) z[i] = f(x[i], yv);
    } else if (sb == 1) {
      float xv = x[0];
      for (int64_t i = 0; i < inner; i++) z[i] = f(xv, y[i]);
    } else {
      z[0] = f(x[0], y[0]);
    }
  }
}

Plan binaryPlan(const std::vector<int64_t>& as, const std::vector<int64_t>& bs, const std::vector<int64_t>& os) {
  return collapse(os, {broadcastStrides(as, os), broadcastStrides(bs, os), broadcastStrides(os, os)});
}

template <typename Out>
void dispatchCompare(int op, const float* a, const float* b, Out* o, const Plan& p) {
  switch (op) {
    case kGreater: return broadcastLoop(a, b, o, p, [](float x, float y) -> Out { return x > y; });
    case kGreaterEqual: return broadcastLoop(a, b, o, p, [](float x, float y) -> Out { return x >= y; });
    case kLess: return broadcastLoop(a, b, o, p, [](float x, float y) -> Out { return x < y; });
    case kLessEqual: return broadcastLoop(a, b, o, p, [](float x, float y) -> Out { return x <= y; });
    case kEqual: return broadcastLoop(a, b, o, p, [](float x, float y) -> Out { return x == y; });
    case kNotEqual: return broadcastLoop(a, b, o, p, [](float x, float y) -> Out { return x != y; });
  }
  throw std::invalid_argument("unknown comparison op " + std::to_string(op));
}

void dispatchArithmetic(int op, const float* a, const float* b, float* o, const Plan& p) {
  switch (op) {
    case kAdd: return broadcastLoop(a, b, o, p, [](float x, float y) { return x + y; });
    case kSub: return broadcastLoop(a, b, o, p, [](float x, float y) { return x - y; });
    case kMul: return broadcastLoop(a, b, o, p, [](float x, float y) { return x * y; });
    case kDiv: return broadcastLoop(a, b, o, p, [](float x, float y) { return x / y; });
    case kMax: return broadcastLoop(a, b, o, p, [](float x, float y) { return std::isnan(x) || std::isnan(y) ? NAN : (x > y ? x : y); });
    case kMin: return broadcastLoop(a, b, o, p, [](float x, float y) { return std::isnan(x) || std::isnan(y) ? NAN : (x < y ? x : y); });
    case kSquaredDifference: return broadcastLoop(a, b, o, p, [](float x, float y) { return (x - y) * (x - y); });
    case kPow: return broadcastLoop(a, b, o, p, [](float x, float y) { return std::pow(x, y); });
    // a = dy, b = the ReLU's input x: dy where x > 0, else 0 (tfjs: dy * step(x), NaN where x is NaN).
    case kReluGrad: return broadcastLoop(a, b, o, p, [](float dy, float x) { return x != x ? x : (x > 0 ? dy : 0.0f); });
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

/** binary(op, a, aShape, b, bShape, out, outShape): out = a op b, broadcasting a and b to outShape. */
napi_value BinaryOp(napi_env env, napi_callback_info info) {
  return guarded(env, "binary", [&] {
    auto a = args(env, info, 7, "binary");
    int op = static_cast<int>(i64(env, a[0], "op"));
    F32 x = f32(env, a[1], "a"), y = f32(env, a[3], "b");
    auto as = ints(env, a[2], "aShape"), bs = ints(env, a[4], "bShape"), os = ints(env, a[6], "outShape");
    if (static_cast<int64_t>(x.size) != product(as) || static_cast<int64_t>(y.size) != product(bs)) {
      throw std::invalid_argument("operand sizes do not match their shapes");
    }
    Plan p = binaryPlan(as, bs, os);
    if (op >= kGreater) {
      U8 o = u8(env, a[5], "out");
      if (static_cast<int64_t>(o.size) != product(os)) throw std::invalid_argument("out size does not match outShape");
      dispatchCompare(op, x.data, y.data, o.data, p);
    } else {
      F32 o = f32(env, a[5], "out");
      if (static_cast<int64_t>(o.size) != product(os)) throw std::invalid_argument("out size does not match outShape");
      dispatchArithmetic(op, x.data, y.data, o.data, p);
    }
    return undefined(env);
  });
}

/** Unary op codes; mirrored by `UNARY_OPS` in lib/backend/native-addon.ts. */
enum Unary { kRelu, kStep, kNeg, kExp, kLog, kSqrt, kRsqrt, kSquare, kAbs, kReciprocal, kSigmoid, kTanh, kRelu6, kLog1p, kClip };

template <typename F>
void unaryLoop(const float* x, float* y, int64_t n, F f) {
#pragma omp parallel if (n >= kParallelMin)
  {
    // A thread-local copy of the op: read through the shared closure, its captures could alias y, which
    // keeps the compiler from vectorising the loop.
    const F op = f;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = op(x[i]);
  }
}

/**
 * unary(op, x, out, alpha, beta): out = op(x); `alpha` is Step's value for x <= 0, [alpha, beta] ClipByValue's
 * range. NaN stays NaN as in tfjs.
 */
napi_value UnaryOp(napi_env env, napi_callback_info info) {
  return guarded(env, "unary", [&] {
    auto a = args(env, info, 5, "unary");
    int op = static_cast<int>(i64(env, a[0], "op"));
    F32 x = f32(env, a[1], "x"), y = f32(env, a[2], "out");
    float alpha = static_cast<float>(f64(env, a[3], "alpha"));
    float beta = static_cast<float>(f64(env, a[4], "beta"));
    if (x.size != y.size) throw std::invalid_argument("x and out differ in size");
    int64_t n = x.size;
    switch (op) {
      case kRelu: unaryLoop(x.data, y.data, n, [](float v) { return v < 0 ? 0.0f : v; }); break;
      case kStep: unaryLoop(x.data, y.data, n, [alpha](float v) { return v != v ? v : (v > 0 ? 1.0f : alpha); }); break;
      case kNeg: unaryLoop(x.data, y.data, n, [](float v) { return -v; }); break;
      case kExp: unaryLoop(x.data, y.data, n, [](float v) { return std::exp(v); }); break;
      case kLog: unaryLoop(x.data, y.data, n, [](float v) { return std::log(v); }); break;
      case kSqrt: unaryLoop(x.data, y.data, n, [](float v) { return std::sqrt(v); }); break;
      case kRsqrt: unaryLoop(x.data, y.data, n, [](float v) { return 1.0f / std::sqrt(v); }); break;
      case kSquare: unaryLoop(x.data, y.data, n, [](float v) { return v * v; }); break;
      case kAbs: unaryLoop(x.data, y.data, n, [](float v) { return std::fabs(v); }); break;
      case kReciprocal: unaryLoop(x.data, y.data, n, [](float v) { return 1.0f / v; }); break;
      case kSigmoid: unaryLoop(x.data, y.data, n, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }); break;
      case kTanh: unaryLoop(x.data, y.data, n, [](float v) { return std::tanh(v); }); break;
      case kRelu6: unaryLoop(x.data, y.data, n, [](float v) { return v < 0 ? 0.0f : (v > 6 ? 6.0f : v); }); break;
      case kLog1p: unaryLoop(x.data, y.data, n, [](float v) { return std::log1p(v); }); break;
      case kClip: unaryLoop(x.data, y.data, n, [alpha, beta](float v) { return v != v ? v : (v < alpha ? alpha : (v > beta ? beta : v)); }); break;
      default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
    }
    return undefined(env);
  });
}

/** addN([x1, x2, ...], out): out = x1 + x2 + ..., all of one size. */
napi_value AddN(napi_env env, napi_callback_info info) {
  return guarded(env, "addN", [&] {
    auto a = args(env, info, 2, "addN");
    uint32_t k;
    check(env, napi_get_array_length(env, a[0], &k), "inputs");
    std::vector<float*> xs(k);
    F32 o = f32(env, a[1], "out");
    for (uint32_t i = 0; i < k; i++) {
      napi_value e;
      check(env, napi_get_element(env, a[0], i, &e), "inputs");
      F32 x = f32(env, e, "input");
      if (x.size != o.size) throw std::invalid_argument("inputs differ in size");
      xs[i] = x.data;
    }
    int64_t n = o.size;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      float s = 0;
      for (uint32_t j = 0; j < k; j++) s += xs[j][i];
      o.data[i] = s;
    }
    return undefined(env);
  });
}

}  // namespace

std::vector<Export> elementwiseExports() { return {{"binary", BinaryOp}, {"unary", UnaryOp}, {"addN", AddN}}; }

}  // namespace bn
