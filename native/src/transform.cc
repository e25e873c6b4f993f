// Data movement: Transpose, Pad, Slice, Tile, Gather. Each walks the output in memory order, copying runs along the
// innermost dimension (memcpy when the input run is contiguous too).
#include <algorithm>
#include <cstring>

#include "broadcast.h"
#include "napi-util.h"

namespace bn {
namespace {

constexpr int64_t kParallelMin = 1 << 15;

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t k = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; d--) {
    s[d] = k;
    k *= shape[d];
  }
  return s;
}

/** Copies runs: operand 0 = source strides, operand 1 = destination strides over the iteration space `p`. */
void copyPlan(const float* src, float* dst, const Plan& p) {
  int64_t inner = p.dims.back();
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < p.dims.size(); d++) outer *= p.dims[d];
  int64_t ss = p.strides[0].back(), ds = p.strides[1].back();
#pragma omp parallel for schedule(static) if (outer * inner >= kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    int64_t off[2];
    outerOffsets(p, o, off);
    const float* s = src + off[0];
    float* d = dst + off[1];
    if (ss == 1 && ds == 1) {
      std::memcpy(d, s, inner * sizeof(float));
    } else {
      for (int64_t i = 0; i < inner; i++) d[i * ds] = s[i * ss];
    }
  }
}

/** transpose(x, shape, perm, out): out[i0, i1, ...] = x[...] with out dimension k = x dimension perm[k]. */
napi_value Transpose(napi_env env, napi_callback_info info) {
  return guarded(env, "transpose", [&] {
    auto a = args(env, info, 4, "transpose");
    F32 x = f32(env, a[0], "x"), o = f32(env, a[3], "out");
    auto shape = ints(env, a[1], "shape"), perm = ints(env, a[2], "perm");
    if (perm.size() != shape.size()) throw std::invalid_argument("perm and shape differ in length");
    if (static_cast<int64_t>(x.size) != product(shape) || o.size != x.size) throw std::invalid_argument("sizes do not match the shape");
    auto in = rowMajorStrides(shape);
    std::vector<int64_t> outShape(shape.size()), src(shape.size());
    for (size_t k = 0; k < perm.size(); k++) {
      outShape[k] = shape[perm[k]];
      src[k] = in[perm[k]];
    }
    Plan p = collapse(outShape, {src, rowMajorStrides(outShape)});
    size_t r = p.dims.size();
    if (r >= 2 && p.strides[0][r - 1] != 1) {
      // Transposed innermost run: iterate with the input-contiguous dimension innermost instead, so reads are
      // sequential and writes strided (stores are cheaper to scatter than loads to gather).
      size_t j = 0;
      while (j < r && p.strides[0][j] != 1) j++;
      if (j < r) {
        std::swap(p.dims[j], p.dims[r - 1]);
        std::swap(p.strides[0][j], p.strides[0][r - 1]);
        std::swap(p.strides[1][j], p.strides[1][r - 1]);
      }
    }
    copyPlan(x.data, o.data, p);
    return undefined(env);
  });
}

/** pad(x, shape, before, after, value, out): out = x with `before[d]` / `after[d]` entries of `value` around dimension d. */
napi_value Pad(napi_env env, napi_callback_info info) {
  return guarded(env, "pad", [&] {
    auto a = args(env, info, 6, "pad");
    F32 x = f32(env, a[0], "x"), o = f32(env, a[5], "out");
    auto shape = ints(env, a[1], "shape"), before = ints(env, a[2], "before"), after = ints(env, a[3], "after");
    float value = static_cast<float>(f64(env, a[4], "value"));
    size_t r = shape.size();
    if (before.size() != r || after.size() != r) throw std::invalid_argument("paddings must have one entry per dimension");
    std::vector<int64_t> outShape(r);
    for (size_t d = 0; d < r; d++) outShape[d] = shape[d] + before[d] + after[d];
    if (static_cast<int64_t>(x.size) != product(shape) || static_cast<int64_t>(o.size) != product(outShape)) {
      throw std::invalid_argument("sizes do not match the shapes");
    }
    std::fill(o.data, o.data + o.size, value);
    if (x.size == 0) return undefined(env);
    auto os = rowMajorStrides(outShape);
    int64_t start = 0;
    for (size_t d = 0; d < r; d++) start += before[d] * os[d];
    Plan p = collapse(shape, {rowMajorStrides(shape), os});
    copyPlan(x.data, o.data + start, p);
    return undefined(env);
  });
}

/** slice(x, shape, begin, size, out): out = x[begin[0] : begin[0] + size[0], ...]. */
napi_value Slice(napi_env env, napi_callback_info info) {
  return guarded(env, "slice", [&] {
    auto a = args(env, info, 5, "slice");
    F32 x = f32(env, a[0], "x"), o = f32(env, a[4], "out");
    auto shape = ints(env, a[1], "shape"), begin = ints(env, a[2], "begin"), size = ints(env, a[3], "size");
    size_t r = shape.size();
    if (begin.size() != r || size.size() != r) throw std::invalid_argument("begin and size must have one entry per dimension");
    if (static_cast<int64_t>(x.size) != product(shape) || static_cast<int64_t>(o.size) != product(size)) {
      throw std::invalid_argument("sizes do not match the shapes");
    }
    if (o.size == 0) return undefined(env);
    auto is = rowMajorStrides(shape);
    int64_t start = 0;
    for (size_t d = 0; d < r; d++) {
      if (begin[d] < 0 || begin[d] + size[d] > shape[d]) throw std::invalid_argument("slice out of bounds");
      start += begin[d] * is[d];
    }
    Plan p = collapse(size, {is, rowMajorStrides(size)});
    copyPlan(x.data + start, o.data, p);
    return undefined(env);
  });
}

/**
 * tile(x, shape, reps, out): out = x repeated reps[d] times along dimension d. Seen as [reps0, d0, reps1, d1, ...]
 * (the same memory as the tiled shape), it is a broadcast copy with stride 0 on the repeat dimensions.
 */
napi_value Tile(napi_env env, napi_callback_info info) {
  return guarded(env, "tile", [&] {
    auto a = args(env, info, 4, "tile");
    F32 x = f32(env, a[0], "x"), o = f32(env, a[3], "out");
    auto shape = ints(env, a[1], "shape"), reps = ints(env, a[2], "reps");
    if (reps.size() != shape.size()) throw std::invalid_argument("reps must have one entry per dimension");
    std::vector<int64_t> inShape, outShape;
    for (size_t d = 0; d < shape.size(); d++) {
      inShape.insert(inShape.end(), {1, shape[d]});
      outShape.insert(outShape.end(), {reps[d], shape[d]});
    }
    if (static_cast<int64_t>(x.size) != product(shape) || static_cast<int64_t>(o.size) != product(outShape)) {
      throw std::invalid_argument("sizes do not match the shapes");
    }
    if (o.size == 0) return undefined(env);
    Plan p = collapse(outShape, {broadcastStrides(inShape, outShape), rowMajorStrides(outShape)});
    copyPlan(x.data, o.data, p);
    return undefined(env);
  });
}

/**
 * gather(x, [outer, axisSize, inner], indices, out): out[o, i, :] = x[o, indices[i], :], x seen as
 * [outer, axisSize, inner] around the gathered axis (tfjs GatherV2 without batch dimensions).
 */
napi_value Gather(napi_env env, napi_callback_info info) {
  return guarded(env, "gather", [&] {
    auto a = args(env, info, 4, "gather");
    F32 x = f32(env, a[0], "x"), o = f32(env, a[3], "out");
    auto dims = ints(env, a[1], "dims");
    I32 idx = i32(env, a[2], "indices");
    if (dims.size() != 3) throw std::invalid_argument("dims must be [outer, axisSize, inner]");
    int64_t outer = dims[0], axis = dims[1], inner = dims[2];
    int64_t n = idx.size;
    if (static_cast<int64_t>(x.size) != outer * axis * inner || static_cast<int64_t>(o.size) != outer * n * inner) {
      throw std::invalid_argument("sizes do not match the dims");
    }
    for (int64_t i = 0; i < n; i++) {
      if (idx.data[i] < 0 || idx.data[i] >= axis) {
        throw std::invalid_argument("GatherV2: the index value " + std::to_string(idx.data[i]) + " is not in [0, " + std::to_string(axis - 1) + "]");
      }
    }
#pragma omp parallel for schedule(static) if (outer * n * inner >= kParallelMin)
    for (int64_t r = 0; r < outer * n; r++) {
      int64_t ob = r / n, i = r % n;
      std::memcpy(o.data + r * inner, x.data + (ob * axis + idx.data[i]) * inner, inner * sizeof(float));
    }
    return undefined(env);
  });
}

}  // namespace

std::vector<Export> transformExports() {
  return {{"transpose", Transpose}, {"pad", Pad}, {"slice", Slice}, {"tile", Tile}, {"gather", Gather}};
}

}  // namespace bn
