// Batch normalisation in training mode, fused: the forward pass reads x twice (statistics, then normalise),
// the backward pass reads x and dy twice (two per-channel sums, then dx), instead of the ~30 elementwise
// and reduction kernels that automatic differentiation of the composed formula runs.
// Layout: x is [M, C] row-major (any NHWC batch flattened), statistics per channel c over the M rows.
#include <omp.h>

#include <cmath>

#include "napi-util.h"

namespace bn {
namespace {

/** Per-channel sums over the rows of [M, C] arrays, one row block per thread, accumulated in double. */
template <typename F>
void channelSums(int64_t m, int64_t c, int sums, std::vector<double>& out, F addRow) {
  int threads = m * c >= (1 << 15) ? omp_get_max_threads() : 1;
  std::vector<std::vector<double>> part(threads, std::vector<double>(sums * c, 0.0));
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num();
    int64_t b = m * t / threads, e = m * (t + 1) / threads;
    double* acc = part[t].data();
    for (int64_t r = b; r < e; r++) addRow(r, acc);
  }
  out.assign(sums * c, 0.0);
  for (auto& p : part)
    for (int64_t i = 0; i < sums * c; i++) out[i] += p[i];
}

/** An optional per-channel Float32Array argument (`null` = absent). */
const float* optional(napi_env env, napi_value v, int64_t c, const char* what) {
  napi_valuetype type;
  check(env, napi_typeof(env, v, &type), what);
  if (type == napi_null || type == napi_undefined) return nullptr;
  F32 a = f32(env, v, what);
  if (static_cast<int64_t>(a.size) != c) throw std::invalid_argument(std::string(what) + " must have one entry per channel");
  return a.data;
}

/**
 * batchNormTrain(x, channels, gamma | null, beta | null, epsilon, y, mean, variance):
 * mean and biased variance per channel over the rows of x [M, C]; y = gamma * (x - mean) / sqrt(variance + epsilon) + beta.
 */
napi_value BatchNormTrain(napi_env env, napi_callback_info info) {
  return guarded(env, "batchNormTrain", [&] {
    auto a = args(env, info, 8, "batchNormTrain");
    F32 x = f32(env, a[0], "x"), y = f32(env, a[5], "y"), mean = f32(env, a[6], "mean"), var = f32(env, a[7], "variance");
    int64_t c = i64(env, a[1], "channels");
    const float* gamma = optional(env, a[2], c, "gamma");
    const float* beta = optional(env, a[3], c, "beta");
    double eps = f64(env, a[4], "epsilon");
    if (c < 1 || x.size % c != 0 || y.size != x.size) throw std::invalid_argument("x and y must be [M, channels]");
    if (static_cast<int64_t>(mean.size) != c || static_cast<int64_t>(var.size) != c) throw std::invalid_argument("mean and variance must have one entry per channel");
    int64_t m = x.size / c;
    const float* xd = x.data;
    // Shifted sums (by the first row) keep sum-of-squares variance accurate when |mean| >> std.
    std::vector<double> sums;
    channelSums(m, c, 2, sums, [&](int64_t r, double* acc) {
      const float* row = xd + r * c;
      for (int64_t j = 0; j < c; j++) {
        double v = static_cast<double>(row[j]) - xd[j];
        acc[j] += v;
        acc[c + j] += v * v;
      }
    });
    std::vector<float> scale(c), shift(c);
    for (int64_t j = 0; j < c; j++) {
      double mu = sums[j] / m;
      double v = std::max(0.0, sums[c + j] / m - mu * mu);
      mean.data[j] = static_cast<float>(mu + xd[j]);
      var.data[j] = static_cast<float>(v);
      double s = 1.0 / std::sqrt(v + eps) * (gamma ? gamma[j] : 1.0f);
      scale[j] = static_cast<float>(s);
      shift[j] = static_cast<float>((beta ? beta[j] : 0.0f) - (mu + xd[j]) * s);
    }
    float* yd = y.data;
    const float *sc = scale.data(), *sh = shift.data();
#pragma omp parallel for schedule(static) if (m * c >= (1 << 15))
    for (int64_t r = 0; r < m; r++) {
      const float* xr = xd + r * c;
      float* yr = yd + r * c;
      for (int64_t j = 0; j < c; j++) yr[j] = xr[j] * sc[j] + sh[j];
    }
    return undefined(env);
  });
}

/**
 * batchNormTrainGrad(x, dy, channels, gamma | null, mean, variance, dMean, dVariance, epsilon, dx, dGamma, dBeta):
 * gradients of batchNormTrain's three outputs (y, mean, variance) with respect to x, gamma and beta.
 *   dBeta = sum(dy), dGamma = sum(dy * xhat), xhat = (x - mean) / sqrt(variance + epsilon),
 *   dx = gamma / sqrt(variance + epsilon) * (dy - dBeta / M - xhat * dGamma / M) + dMean / M + dVariance * 2 (x - mean) / M.
 */
napi_value BatchNormTrainGrad(napi_env env, napi_callback_info info) {
  return guarded(env, "batchNormTrainGrad", [&] {
    auto a = args(env, info, 12, "batchNormTrainGrad");
    F32 x = f32(env, a[0], "x"), dy = f32(env, a[1], "dy");
    int64_t c = i64(env, a[2], "channels");
    const float* gamma = optional(env, a[3], c, "gamma");
    F32 mean = f32(env, a[4], "mean"), var = f32(env, a[5], "variance"), dMean = f32(env, a[6], "dMean"), dVar = f32(env, a[7], "dVariance");
    double eps = f64(env, a[8], "epsilon");
    F32 dx = f32(env, a[9], "dx"), dGamma = f32(env, a[10], "dGamma"), dBeta = f32(env, a[11], "dBeta");
    if (c < 1 || x.size % c != 0 || dy.size != x.size || dx.size != x.size) throw std::invalid_argument("x, dy and dx must be [M, channels]");
    for (const F32* v : {&mean, &var, &dMean, &dVar, &dGamma, &dBeta}) {
      if (static_cast<int64_t>(v->size) != c) throw std::invalid_argument("statistics must have one entry per channel");
    }
    int64_t m = x.size / c;
    const float *xd = x.data, *dyd = dy.data, *mu = mean.data;
    std::vector<double> sums;
    channelSums(m, c, 2, sums, [&](int64_t r, double* acc) {
      const float* xr = xd + r * c;
      const float* gr = dyd + r * c;
      for (int64_t j = 0; j < c; j++) {
        acc[j] += gr[j];
        acc[c + j] += static_cast<double>(gr[j]) * (xr[j] - mu[j]);
      }
    });
    // dx = a * dy + b * x + k per channel, with the sums folded into a, b and k.
    std::vector<float> ca(c), cb(c), ck(c);
    for (int64_t j = 0; j < c; j++) {
      double inv = 1.0 / std::sqrt(static_cast<double>(var.data[j]) + eps);
      double g = gamma ? gamma[j] : 1.0;
      double sumDy = sums[j], sumDyXc = sums[c + j];
      dBeta.data[j] = static_cast<float>(sumDy);
      dGamma.data[j] = static_cast<float>(sumDyXc * inv);
      double aj = g * inv;
      double bj = -g * inv * inv * inv * sumDyXc / m + 2.0 * dVar.data[j] / m;
      ca[j] = static_cast<float>(aj);
      cb[j] = static_cast<float>(bj);
      ck[j] = static_cast<float>(-aj * sumDy / m - bj * mu[j] + static_cast<double>(dMean.data[j]) / m);
    }
    float* dxd = dx.data;
    const float *pa = ca.data(), *pb = cb.data(), *pk = ck.data();
#pragma omp parallel for schedule(static) if (m * c >= (1 << 15))
    for (int64_t r = 0; r < m; r++) {
      const float* xr = xd + r * c;
      const float* gr = dyd + r * c;
      float* o = dxd + r * c;
      for (int64_t j = 0; j < c; j++) o[j] = pa[j] * gr[j] + pb[j] * xr[j] + pk[j];
    }
    return undefined(env);
  });
}

}  // namespace

std::vector<Export> batchNormExports() { return {{"batchNormTrain", BatchNormTrain}, {"batchNormTrainGrad", BatchNormTrainGrad}}; }

}  // namespace bn
