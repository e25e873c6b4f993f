// Shape arithmetic shared by the elementwise and reduction kernels: dimensions with per-operand strides,
// with neighbouring dimensions merged wherever every operand walks them as one.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bn {

/** An iteration space: `dims` (outermost first) and, per operand, a stride per dimension (0 = broadcast). */
struct Plan {
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides;
};

/** Row-major strides of `shape`, with 0 wherever the operand has size 1 but the iteration space does not. */
inline std::vector<int64_t> broadcastStrides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out) {
  size_t r = out.size();
  if (shape.size() > r) throw std::invalid_argument("operand has a higher rank than the output");
  std::vector<int64_t> s(r, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); i++) {
    size_t d = shape.size() - 1 - i, o = r - 1 - i;
    if (shape[d] == out[o]) {
      s[o] = stride;
    } else if (shape[d] != 1) {
      throw std::invalid_argument("shape dimension " + std::to_string(shape[d]) + " does not broadcast to " + std::to_string(out[o]));
    }
    stride *= shape[d];
  }
  return s;
}

/** Drops size-1 dimensions and merges dimension i into i+1 when every operand's strides allow it. */
inline Plan collapse(const std::vector<int64_t>& dims, const std::vector<std::vector<int64_t>>& strides) {
  Plan p;
  p.strides.resize(strides.size());
  for (size_t i = 0; i < dims.size(); i++) {
    if (dims[i] == 1) continue;
    bool merge = !p.dims.empty();
    for (size_t k = 0; merge && k < strides.size(); k++) merge = p.strides[k].back() == strides[k][i] * dims[i];
    if (merge) {
      p.dims.back() *= dims[i];
      for (size_t k = 0; k < strides.size(); k++) p.strides[k].back() = strides[k][i];
    } else {
      p.dims.push_back(dims[i]);
      for (size_t k = 0; k < strides.size(); k++) p.strides[k].push_back(strides[k][i]);
    }
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    for (auto& s : p.strides) s.push_back(0);
  }
  return p;
}

/** Offsets of each operand at outer index `o` (all dimensions but the last). */
inline void outerOffsets(const Plan& p, int64_t o, int64_t* off) {
  size_t n = p.strides.size();
  for (size_t k = 0; k < n; k++) off[k] = 0;
  for (int64_t d = static_cast<int64_t>(p.dims.size()) - 2; d >= 0; d--) {
    int64_t i = o % p.dims[d];
    o /= p.dims[d];
    for (size_t k = 0; k < n; k++) off[k] += i * p.strides[k][d];
  }
}

}  // namespace bn
