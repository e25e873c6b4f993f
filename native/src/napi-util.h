// Small helpers over Node-API (C): typed-array views without copies, integer arguments, and a wrapper
// that turns C++ exceptions into JavaScript errors.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bn {

/** A Float32Array seen from C++: its data pointer (shared with JavaScript, no copy) and length. */
struct F32 {
  float* data;
  size_t size;
};

/** An Int32Array (tfjs 'int32' tensors). */
struct I32 {
  int32_t* data;
  size_t size;
};

inline I32 i32(napi_env env, napi_value v, const char* what) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_int32_array) {
    throw std::invalid_argument(std::string(what) + " must be an Int32Array");
  }
  return {static_cast<int32_t*>(data), length};
}

/** A Uint8Array (tfjs 'bool' tensors). */
struct U8 {
  uint8_t* data;
  size_t size;
};

inline void check(napi_env env, napi_status s, const char* what) {
  if (s != napi_ok) throw std::runtime_error(std::string("Node-API call failed: ") + what);
}

inline F32 f32(napi_env env, napi_value v, const char* what) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) {
    throw std::invalid_argument(std::string(what) + " must be a Float32Array");
  }
  return {static_cast<float*>(data), length};
}

inline U8 u8(napi_env env, napi_value v, const char* what) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    throw std::invalid_argument(std::string(what) + " must be a Uint8Array");
  }
  return {static_cast<uint8_t*>(data), length};
}

inline int64_t i64(napi_env env, napi_value v, const char* what) {
  int64_t r;
  if (napi_get_value_int64(env, v, &r) != napi_ok) throw std::invalid_argument(std::string(what) + " must be a number");
  return r;
}

inline double f64(napi_env env, napi_value v, const char* what) {
  double r;
  if (napi_get_value_double(env, v, &r) != napi_ok) throw std::invalid_argument(std::string(what) + " must be a number");
  return r;
}

/** A JavaScript array of integers (a shape, a permutation, a list of axes). */
inline std::vector<int64_t> ints(napi_env env, napi_value v, const char* what) {
  uint32_t n;
  if (napi_get_array_length(env, v, &n) != napi_ok) throw std::invalid_argument(std::string(what) + " must be an array");
  std::vector<int64_t> r(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    check(env, napi_get_element(env, v, i, &e), what);
    r[i] = i64(env, e, what);
  }
  return r;
}

/** Reads exactly `n` arguments of the current call. */
inline std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t n, const char* fn) {
  size_t argc = n;
  std::vector<napi_value> argv(n);
  check(env, napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr), fn);
  if (argc != n) throw std::invalid_argument(std::string(fn) + ": expected " + std::to_string(n) + " arguments, got " + std::to_string(argc));
  return argv;
}

inline int64_t product(const std::vector<int64_t>& shape) {
  int64_t p = 1;
  for (auto d : shape) p *= d;
  return p;
}

/** Runs `body` and rethrows any C++ exception as a JavaScript Error. */
template <typename F>
napi_value guarded(napi_env env, const char* fn, F body) {
  try {
    return body();
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("blockwise native ") + fn + ": " + e.what()).c_str());
    return nullptr;
  }
}

inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/** One exported function: its JavaScript name and its C callback. */
struct Export {
  const char* name;
  napi_callback fn;
};

}  // namespace bn
