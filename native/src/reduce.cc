// Reductions (Sum, Mean, Max, Min) over any set of axes, without the transpose tfjs' cpu backend does first:
// the input is walked in memory order and each run either folds into a scalar (reduced innermost axis) or is
// added onto a row of the output (kept innermost axis, e.g. per-channel sums of an NHWC batch).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <omp.h>

#include "broadcast.h"
#include "napi-util.h"

namespace bn {
namespace {

/** Reduction op codes; mirrored by `REDUCE_OPS` in lib/backend/native-addon.ts. */
enum Reduce { kSum, kMean, kMax, kMin };

// Sums accumulate in double (as the batch-norm kernels and tfjs' cpu backend do) and round to float once at the
// end: a float accumulator over a few hundred thousand values (the feature noise's std, per-channel sums of a
// batch) loses about 1e-4 of the result, which PyTorch's cascade summation does not.
struct SumOp {
  using Acc = double;
  static Acc identity() { return 0.0; }
  static Acc apply(Acc a, Acc b) { return a + b; }
};
struct MaxOp {
  using Acc = float;
  static Acc identity() { return -std::numeric_limits<float>::infinity(); }
  static Acc apply(Acc a, Acc b) { return std::isnan(b) || b > a ? b : a; }
};
struct MinOp {
  using Acc = float;
  static Acc identity() { return std::numeric_limits<float>::infinity(); }
  static Acc apply(Acc a, Acc b) { return std::isnan(b) || b < a ? b : a; }
};

/** Folds the contiguous run x[0..n) into one value; 8 partial accumulators (vectorisable). */
template <typename Op>
typename Op::Acc foldRun(const float* x, int64_t n) {
  using Acc = typename Op::Acc;
  Acc acc[8];
  for (int k = 0; k < 8; k++) acc[k] = Op::identity();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] = Op::apply(acc[k], static_cast<Acc>(x[i + k]));
  for (; i < n; i++) acc[0] = Op::apply(acc[0], static_cast<Acc>(x[i]));
  Acc r = acc[0];
  for (int k = 1; k < 8; k++) r = Op::apply(r, acc[k]);
  return r;
}

/**
 * Reduces x (iteration space `p`: operand 0 = input strides, operand 1 = output strides, 0 on reduced
 * dimensions) into `out` (accumulators), whose `outSize` entries start at the identity. Rows [begin, end) of the
 * outer space.
 */
template <typename Op>
void reduceRows(const float* x, typename Op::Acc* out, const Plan& p, int64_t begin, int64_t end) {
  using Acc = typename Op::Acc;
  int64_t inner = p.dims.back();
  bool innerReduced = p.strides[1].back() == 0;
  int64_t off[2];
  for (int64_t o = begin; o < end; o++) {
    outerOffsets(p, o, off);
    const float* xr = x + off[0];
    Acc* orow = out + off[1];
    if (innerReduced) {
      orow[0] = Op::apply(orow[0], foldRun<Op>(xr, inner));
    } else {
      for (int64_t i = 0; i < inner; i++) orow[i] = Op::apply(orow[i], static_cast<Acc>(xr[i]));
    }
  }
}

template <typename Op>
void reduceInto(const float* x, const std::vector<int64_t>& shape, const std::vector<bool>& reduced, typename Op::Acc* out, int64_t outSize) {
  using Acc = typename Op::Acc;
  std::vector<int64_t> inStrides(shape.size()), outStrides(shape.size());
  int64_t si = 1, so = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; d--) {
    inStrides[d] = si;
    si *= shape[d];
    outStrides[d] = reduced[d] ? 0 : so;
    if (!reduced[d]) so *= shape[d];
  }
  Plan p = collapse(shape, {inStrides, outStrides});
  std::fill(out, out + outSize, Op::identity());
  if (p.dims.size() == 1 && p.strides[1][0] == 0) {
    // A full reduction of one run: each thread folds a slice.
    int64_t n = p.dims[0];
    int threads = n >= (1 << 15) ? omp_get_max_threads() : 1;
    std::vector<Acc> part(threads, Op::identity());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; t++) {
      int64_t b = n * t / threads, e = n * (t + 1) / threads;
      part[t] = foldRun<Op>(x + b, e - b);
    }
    for (Acc v : part) out[0] = Op::apply(out[0], v);
    return;
  }
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < p.dims.size(); d++) outer *= p.dims[d];
  int64_t total = outer * p.dims.back();
  int threads = total >= (1 << 15) ? omp_get_max_threads() : 1;
  if (threads == 1) {
    reduceRows<Op>(x, out, p, 0, outer);
    return;
  }
  // Threads take slices of the outermost dimension. When that dimension is kept, their outputs are disjoint;
  // when it is reduced, each thread folds into its own copy of the output, merged at the end.
  int64_t rowsPerOuterIndex = outer / p.dims[0];
  bool outerReduced = p.strides[1][0] == 0;
  std::vector<std::vector<Acc>> partial(outerReduced ? threads : 0, std::vector<Acc>(outSize, Op::identity()));
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num();
    int64_t b = p.dims[0] * t / threads, e = p.dims[0] * (t + 1) / threads;
    reduceRows<Op>(x, outerReduced ? partial[t].data() : out, p, b * rowsPerOuterIndex, e * rowsPerOuterIndex);
  }
  for (auto& part : partial)
    for (int64_t i = 0; i < outSize; i++) out[i] = Op::apply(out[i], part[i]);
}

/**
 * out = Op over the `reduced` axes of x[shape], accumulated in `Op::Acc` and rounded to float once; a sum is
 * divided by `divisor` (the count, for a mean) before that rounding.
 */
template <typename Op>
void reduce(const float* x, const std::vector<int64_t>& shape, const std::vector<bool>& reduced, float* out, int64_t outSize, double divisor = 1.0) {
  std::vector<typename Op::Acc> acc(outSize);
  reduceInto<Op>(x, shape, reduced, acc.data(), outSize);
  for (int64_t i = 0; i < outSize; i++) out[i] = static_cast<float>(divisor == 1.0 ? acc[i] : acc[i] / divisor);
}

/** reduce(op, x, shape, axes, out): out = op over `axes` of x[shape]; out has the kept dimensions' size. */
napi_value ReduceOp(napi_env env, napi_callback_info info) {
  return guarded(env, "reduce", [&] {
    auto a = args(env, info, 5, "reduce");
    int op = static_cast<int>(i64(env, a[0], "op"));
    F32 x = f32(env, a[1], "x"), o = f32(env, a[4], "out");
    auto shape = ints(env, a[2], "shape"), axes = ints(env, a[3], "axes");
    if (static_cast<int64_t>(x.size) != product(shape)) throw std::invalid_argument("x size does not match its shape");
    std::vector<bool> reduced(shape.size(), false);
    int64_t count = 1;
    for (auto ax : axes) {
      if (ax < 0 || ax >= static_cast<int64_t>(shape.size())) throw std::invalid_argument("axis " + std::to_string(ax) + " out of range");
      if (!reduced[ax]) count *= shape[ax];
      reduced[ax] = true;
    }
    if (static_cast<int64_t>(o.size) * count != product(shape)) throw std::invalid_argument("out size does not match the kept dimensions");
    switch (op) {
      case kSum: reduce<SumOp>(x.data, shape, reduced, o.data, o.size); break;
      case kMean: reduce<SumOp>(x.data, shape, reduced, o.data, o.size, static_cast<double>(count)); break;
      case kMax: reduce<MaxOp>(x.data, shape, reduced, o.data, o.size); break;
      case kMin: reduce<MinOp>(x.data, shape, reduced, o.data, o.size); break;
      default: throw std::invalid_argument("unknown reduction " + std::to_string(op));
    }
    return undefined(env);
  });
}

}  // namespace

std::vector<Export> reduceExports() { return {{"reduce", ReduceOp}}; }

}  // namespace bn
