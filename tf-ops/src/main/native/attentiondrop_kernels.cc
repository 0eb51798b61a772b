// Fused CPU kernels for the two memory-bound AttentionDrop regularizers, written against
// TensorFlow's stable C kernel and op APIs (tensorflow/c/kernels.h, tensorflow/c/ops.h), so the
// same library loads into TF Java (TensorFlow.loadLibrary) and Python TF (tf.load_op_library).
//
//   AttentionDropHardMask(logits, noise, p, fill, valid, k_fraction; k) -> (output, dropped)
//     For every row of the last axis: t = the k_i-th largest valid logit (k_i = min(k, n_i), or
//     ceil(k_fraction * n_i - 1e-9) when k = 0), candidates S = {j valid : L_j >= t},
//     dropped_j = j in S and noise_j < p, output_j = dropped_j ? fill : L_j.
//     The same rule as HardAttentionMask's stock-op path, so output and dropped are bit-exact.
//   AttentionDropBlurKeys(x, taps) -> y
//     y[b, h, q, j] = sum_{d = -r..r} taps[b', h', d + r] * x[b, h, q, j + d], zero outside the row,
//     with b' = b or 0 and h' = h or 0 (taps broadcast over batch and heads): the w-tap
//     convolution along the keys of BlurredAttentionSmoothing's zero-padded form, in one pass.
//
// Gradients are stock ops (registered in Java and Python): d logits = select(dropped, 0, dy);
// d x = AttentionDropBlurKeys(dy, reverse(taps)).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tensorflow/c/kernels.h"
#include "tensorflow/c/ops.h"
#include "tensorflow/c/tf_datatype.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/c/tf_tensor.h"

namespace {

// Threads for one kernel call: the machine's cores (or ATTENTIONDROP_KERNEL_THREADS), fewer when
// the work is small. The C API gives a kernel no access to TF's intra-op pool.
int ThreadsFor(int64_t rows, int64_t row_cost) {
  static const int max_threads = [] {
    const char* env = std::getenv("ATTENTIONDROP_KERNEL_THREADS");
    int n = env != nullptr ? std::atoi(env) : 0;
    if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, std::min(n, 64));
  }();
  const int64_t min_work = 1 << 15;  // below ~32k element operations a thread costs more than it saves
  int64_t by_work = std::max<int64_t>(1, rows * row_cost / min_work);
  return static_cast<int>(std::min<int64_t>({max_threads, by_work, rows}));
}

template <typename F>
void ParallelRows(int64_t rows, int64_t row_cost, F&& body) {
  int threads = ThreadsFor(rows, row_cost);
  if (threads <= 1) {
    body(0, rows);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  int64_t chunk = (rows + threads - 1) / threads;
  for (int t = 1; t < threads; ++t) {
    int64_t begin = t * chunk, end = std::min(rows, begin + chunk);
    if (begin < end) pool.emplace_back([&body, begin, end] { body(begin, end); });
  }
  body(0, std::min(rows, chunk));
  for (auto& th : pool) th.join();
}

bool Fail(TF_OpKernelContext* ctx, TF_Status* status, TF_Code code, const std::string& msg) {
  TF_SetStatus(status, code, msg.c_str());
  TF_OpKernelContext_Failure(ctx, status);
  return false;
}

std::vector<int64_t> Dims(const TF_Tensor* t) {
  std::vector<int64_t> d(TF_NumDims(t));
  for (size_t i = 0; i < d.size(); ++i) d[i] = TF_Dim(t, static_cast<int>(i));
  return d;
}

std::string ShapeText(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// Inputs fetched for one call, deleted on scope exit.
struct Inputs {
  std::vector<TF_Tensor*> t;
  explicit Inputs(int n) : t(n, nullptr) {}
  ~Inputs() {
    for (TF_Tensor* x : t)
      if (x != nullptr) TF_DeleteTensor(x);
  }
};

bool GetInputs(TF_OpKernelContext* ctx, TF_Status* status, Inputs& in) {
  for (size_t i = 0; i < in.t.size(); ++i) {
    TF_GetInput(ctx, static_cast<int>(i), &in.t[i], status);
    if (TF_GetCode(status) != TF_OK) {
      TF_OpKernelContext_Failure(ctx, status);
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Hard Attention Masking.

struct HardMaskKernel {
  int64_t k;  // 0: k from k_fraction
};

// The kth largest (1-based) of v[0..n): a descending buffer of the k largest seen so far.
template <typename T>
T TopKInsert(const T* v, int64_t n, int64_t stride, int64_t kth, T* top, int64_t& filled) {
  for (int64_t j = 0; j < n; j += stride) {
    const T x = v[j];
    if (filled < kth || x > top[kth - 1]) {
      int64_t i = filled < kth ? filled++ : kth - 1;
      while (i > 0 && top[i - 1] < x) {
        top[i] = top[i - 1];
        --i;
      }
      top[i] = x;
    }
  }
  return top[kth - 1];
}

// The kth largest (1-based) of v[0..n). For k <= 32 and n >= 4 k, from groups: split the row into
// G = min(64, n / 4) groups by residue (group g = {j : j mod G = g}, so their maxima are one
// vectorized pass), take m_k, the k-th largest group maximum; every value >= t (the row's k-th
// largest) lies in a group whose maximum is >= m_k (t >= m_k: k groups hold values >= m_k), so t
// is the k-th largest of those groups' values, a few dozen. nth_element for other sizes.
template <typename T>
T KthLargest(const T* __restrict v, int64_t n, int64_t kth, std::vector<T>& scratch) {
  if (kth > 32 || n < 4 * kth) {
    scratch.assign(v, v + n);
    std::nth_element(scratch.begin(), scratch.begin() + (kth - 1), scratch.end(),
                     [](T a, T b) { return a > b; });
    return scratch[kth - 1];
  }
  const int64_t groups = std::min<int64_t>(64, n / 4);
  T m[64];
  for (int64_t g = 0; g < groups; ++g) m[g] = v[g];
  int64_t i = groups;
  for (; i + groups <= n; i += groups) {
    for (int64_t g = 0; g < groups; ++g) m[g] = v[i + g] > m[g] ? v[i + g] : m[g];
  }
  for (int64_t g = 0; i + g < n; ++g) m[g] = v[i + g] > m[g] ? v[i + g] : m[g];
  T top[32];
  int64_t filled = 0;
  const T mk = TopKInsert(m, groups, 1, kth, top, filled);
  filled = 0;
  T t = mk;
  for (int64_t g = 0; g < groups; ++g) {
    if (m[g] >= mk) t = TopKInsert(v + g, n - g, groups, kth, top, filled);
  }
  return t;
}

// output_j = dropped_j ? fill : x_j, dropped_j = valid_j & (x_j >= t) & (u_j < p); valid == null
// for every key valid.
template <typename T>
void Select(const T* __restrict x, const T* __restrict u, const unsigned char* __restrict valid,
            T t, T p, T fill, T* __restrict y, unsigned char* __restrict dropped, int64_t n) {
  if (valid == nullptr) {
    for (int64_t j = 0; j < n; ++j) y[j] = (x[j] >= t) & (u[j] < p) ? fill : x[j];
    for (int64_t j = 0; j < n; ++j) dropped[j] = (x[j] >= t) & (u[j] < p);
  } else {
    for (int64_t j = 0; j < n; ++j) y[j] = valid[j] & (x[j] >= t) & (u[j] < p) ? fill : x[j];
    for (int64_t j = 0; j < n; ++j) dropped[j] = valid[j] & (x[j] >= t) & (u[j] < p);
  }
}

void* HardMaskCreate(TF_OpKernelConstruction* ctx) {
  auto* kernel = new HardMaskKernel{0};
  TF_Status* status = TF_NewStatus();
  TF_OpKernelConstruction_GetAttrInt64(ctx, "k", &kernel->k, status);
  if (TF_GetCode(status) != TF_OK) TF_OpKernelConstruction_Failure(ctx, status);
  TF_DeleteStatus(status);
  return kernel;
}

void HardMaskDelete(void* kernel) { delete static_cast<HardMaskKernel*>(kernel); }

template <typename T>
void HardMaskCompute(void* kernel_ptr, TF_OpKernelContext* ctx) {
  const int64_t k = static_cast<HardMaskKernel*>(kernel_ptr)->k;
  TF_Status* status = TF_NewStatus();
  Inputs in(6);
  if (!GetInputs(ctx, status, in)) {
    TF_DeleteStatus(status);
    return;
  }
  TF_Tensor *logits = in.t[0], *noise = in.t[1], *p_t = in.t[2], *fill_t = in.t[3],
            *valid = in.t[4], *frac_t = in.t[5];
  std::vector<int64_t> shape = Dims(logits);
  bool ok = true;
  if (shape.empty()) {
    ok = Fail(ctx, status, TF_INVALID_ARGUMENT, "logits must have rank >= 1, got a scalar");
  } else if (Dims(noise) != shape) {
    ok = Fail(ctx, status, TF_INVALID_ARGUMENT,
              "noise must have the shape of the logits " + ShapeText(shape) + ", got " +
                  ShapeText(Dims(noise)));
  } else if (TF_TensorElementCount(p_t) != 1 || TF_TensorElementCount(fill_t) != 1 ||
             TF_TensorElementCount(frac_t) != 1) {
    ok = Fail(ctx, status, TF_INVALID_ARGUMENT, "p, fill and k_fraction must be scalars");
  }
  // valid: no elements (every key valid) or the logits' rank with each dim 1 or the logits' dim.
  std::vector<int64_t> vdims = Dims(valid);
  const bool all_valid = ok && TF_TensorElementCount(valid) == 0;
  std::vector<int64_t> vstride(shape.size(), 0);
  if (ok && !all_valid) {
    if (vdims.size() != shape.size()) {
      ok = Fail(ctx, status, TF_INVALID_ARGUMENT,
                "valid must be empty or of the logits' rank " + std::to_string(shape.size()) +
                    ", got " + ShapeText(vdims));
    } else {
      int64_t s = 1;
      for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
        if (vdims[i] != 1 && vdims[i] != shape[i]) {
          ok = Fail(ctx, status, TF_INVALID_ARGUMENT,
                    "valid " + ShapeText(vdims) + " does not broadcast to the logits " +
                        ShapeText(shape));
          break;
        }
        vstride[i] = vdims[i] == 1 ? 0 : s;
        s *= vdims[i];
      }
    }
  }
  TF_Tensor* out = nullptr;
  TF_Tensor* dropped = nullptr;
  if (ok) {
    const int64_t n = shape.back();
    const int64_t count = TF_TensorElementCount(logits);
    out = TF_AllocateOutput(ctx, 0, TF_TensorType(logits), shape.data(),
                            static_cast<int>(shape.size()), count * sizeof(T), status);
    if (TF_GetCode(status) == TF_OK) {
      dropped = TF_AllocateOutput(ctx, 1, TF_BOOL, shape.data(), static_cast<int>(shape.size()),
                                  count * sizeof(bool), status);
    }
    if (TF_GetCode(status) != TF_OK) {
      TF_OpKernelContext_Failure(ctx, status);
    } else if (count > 0) {
      const T* x = static_cast<const T*>(TF_TensorData(logits));
      const T* u = static_cast<const T*>(TF_TensorData(noise));
      const T p = *static_cast<const T*>(TF_TensorData(p_t));
      const T fill = *static_cast<const T*>(TF_TensorData(fill_t));
      const double frac = *static_cast<const double*>(TF_TensorData(frac_t));
      const bool* vdata = all_valid ? nullptr : static_cast<const bool*>(TF_TensorData(valid));
      T* y = static_cast<T*>(TF_TensorData(out));
      bool* dr = static_cast<bool*>(TF_TensorData(dropped));
      const int64_t rows = count / n;
      const size_t rank = shape.size();
      ParallelRows(rows, n * 3, [&](int64_t begin, int64_t end) {
        std::vector<T> scratch;
        std::vector<T> packed;
        std::vector<unsigned char> vrow(all_valid ? 0 : n);
        std::vector<int64_t> index(rank, 0);
        for (int64_t row = begin; row < end; ++row) {
          const T* xr = x + row * n;
          const T* ur = u + row * n;
          T* yr = y + row * n;
          bool* dr_row = dr + row * n;
          int64_t n_valid = n;
          if (!all_valid) {
            // The row's offset into valid: its index over the leading dims times the strides.
            int64_t rest = row, off = 0;
            for (int i = static_cast<int>(rank) - 2; i >= 0; --i) {
              index[i] = rest % shape[i];
              rest /= shape[i];
              off += index[i] * vstride[i];
            }
            n_valid = 0;
            for (int64_t j = 0; j < n; ++j) {
              vrow[j] = vdata[off + j * vstride[rank - 1]] ? 1 : 0;
              n_valid += vrow[j];
            }
          }
          int64_t kth = k > 0 ? std::min(k, n_valid)
                              : static_cast<int64_t>(
                                    std::ceil(std::max(frac * static_cast<double>(n_valid) - 1e-9,
                                                       0.0)));
          if (kth <= 0 || n_valid == 0) {
            std::memcpy(yr, xr, n * sizeof(T));
            std::memset(dr_row, 0, n * sizeof(bool));
            continue;
          }
          T t;
          if (all_valid) {
            t = KthLargest(xr, n, kth, scratch);
          } else {
            packed.clear();
            for (int64_t j = 0; j < n; ++j)
              if (vrow[j]) packed.push_back(xr[j]);
            t = KthLargest(packed.data(), n_valid, kth, scratch);
          }
          // Two simple loops (one per output width) so that both vectorize.
          const unsigned char* vr = all_valid ? nullptr : vrow.data();
          Select(xr, ur, vr, t, p, fill, yr, reinterpret_cast<unsigned char*>(dr_row), n);
        }
      });
    }
  }
  if (out != nullptr) TF_DeleteTensor(out);
  if (dropped != nullptr) TF_DeleteTensor(dropped);
  TF_DeleteStatus(status);
}

// ---------------------------------------------------------------------------------------------
// Blurred Attention Smoothing: the w-tap convolution along the keys.

template <typename T>
void BlurCompute(void*, TF_OpKernelContext* ctx) {
  TF_Status* status = TF_NewStatus();
  Inputs in(2);
  if (!GetInputs(ctx, status, in)) {
    TF_DeleteStatus(status);
    return;
  }
  TF_Tensor *x_t = in.t[0], *taps_t = in.t[1];
  std::vector<int64_t> shape = Dims(x_t), tdims = Dims(taps_t);
  bool ok = true;
  if (shape.size() != 4) {
    ok = Fail(ctx, status, TF_INVALID_ARGUMENT,
              "x must be [batch, heads, queries, keys], got " + ShapeText(shape));
  } else if (tdims.size() != 4 || tdims[2] != 1 || tdims[3] % 2 != 1 ||
             (tdims[0] != 1 && tdims[0] != shape[0]) || (tdims[1] != 1 && tdims[1] != shape[1])) {
    ok = Fail(ctx, status, TF_INVALID_ARGUMENT,
              "taps must be [1 or batch, 1 or heads, 1, w] with w odd for x " + ShapeText(shape) +
                  ", got " + ShapeText(tdims));
  }
  TF_Tensor* out = nullptr;
  if (ok) {
    const int64_t count = TF_TensorElementCount(x_t);
    out = TF_AllocateOutput(ctx, 0, TF_TensorType(x_t), shape.data(), 4, count * sizeof(T), status);
    if (TF_GetCode(status) != TF_OK) {
      TF_OpKernelContext_Failure(ctx, status);
    } else if (count > 0) {
      const int64_t B = shape[0], H = shape[1], Q = shape[2], n = shape[3];
      const int64_t w = tdims[3], r = (w - 1) / 2;
      const T* x = static_cast<const T*>(TF_TensorData(x_t));
      const T* taps = static_cast<const T*>(TF_TensorData(taps_t));
      T* y = static_cast<T*>(TF_TensorData(out));
      const int64_t rows = B * H * Q;
      ParallelRows(rows, n * w, [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
          const int64_t bh = row / Q, b = bh / H, h = bh % H;
          const T* g = taps + ((tdims[0] == 1 ? 0 : b) * tdims[1] + (tdims[1] == 1 ? 0 : h)) * w;
          const T* xr = x + row * n;
          T* yr = y + row * n;
          for (int64_t j = 0; j < n; ++j) yr[j] = T(0);
          // Tap by tap, in the order d = -r..r: y[j] += g[d + r] * x[j + d] where 0 <= j + d < n.
          for (int64_t d = -r; d <= r; ++d) {
            const T gd = g[d + r];
            const int64_t lo = std::max<int64_t>(0, -d), hi = std::min<int64_t>(n, n - d);
            for (int64_t j = lo; j < hi; ++j) yr[j] += gd * xr[j + d];
          }
        }
      });
    }
  }
  if (out != nullptr) TF_DeleteTensor(out);
  TF_DeleteStatus(status);
}

// ---------------------------------------------------------------------------------------------
// Registration.

// Every one of the op's `outputs` outputs has the shape of input 0.
template <int outputs>
void SameShapeOutputs(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  TF_ShapeHandle* shape = TF_NewShapeHandle();
  TF_ShapeInferenceContextGetInput(ctx, 0, shape, status);
  for (int i = 0; i < outputs && TF_GetCode(status) == TF_OK; ++i) {
    TF_ShapeInferenceContextSetOutput(ctx, i, shape, status);
  }
  TF_DeleteShapeHandle(shape);
}

void Check(TF_Status* status, const char* what) {
  if (TF_GetCode(status) != TF_OK) {
    std::fprintf(stderr, "attentiondrop_kernels: %s: %s\n", what, TF_Message(status));
  }
}

template <typename T>
void RegisterKernels(const char* op, TF_DataType dtype, const char* suffix,
                     void* (*create)(TF_OpKernelConstruction*),
                     void (*compute)(void*, TF_OpKernelContext*), void (*destroy)(void*)) {
  TF_Status* status = TF_NewStatus();
  TF_KernelBuilder* builder = TF_NewKernelBuilder(op, "CPU", create, compute, destroy);
  TF_KernelBuilder_TypeConstraint(builder, "T", dtype, status);
  Check(status, op);
  std::string name = std::string(op) + "Cpu" + suffix;
  TF_RegisterKernelBuilder(name.c_str(), builder, status);
  Check(status, name.c_str());
  TF_DeleteStatus(status);
}

void* NoState(TF_OpKernelConstruction*) { return nullptr; }
void NoDelete(void*) {}

struct Registration {
  Registration() {
    TF_Status* status = TF_NewStatus();

    TF_OpDefinitionBuilder* hard = TF_NewOpDefinitionBuilder("AttentionDropHardMask");
    TF_OpDefinitionBuilderAddInput(hard, "logits: T");
    TF_OpDefinitionBuilderAddInput(hard, "noise: T");
    TF_OpDefinitionBuilderAddInput(hard, "p: T");
    TF_OpDefinitionBuilderAddInput(hard, "fill: T");
    TF_OpDefinitionBuilderAddInput(hard, "valid: bool");
    TF_OpDefinitionBuilderAddInput(hard, "k_fraction: double");
    TF_OpDefinitionBuilderAddOutput(hard, "output: T");
    TF_OpDefinitionBuilderAddOutput(hard, "dropped: bool");
    TF_OpDefinitionBuilderAddAttr(hard, "T: {float, double}");
    TF_OpDefinitionBuilderAddAttr(hard, "k: int >= 0");
    TF_OpDefinitionBuilderSetShapeInferenceFunction(hard, &SameShapeOutputs<2>);
    TF_RegisterOpDefinition(hard, status);
    Check(status, "AttentionDropHardMask");

    TF_OpDefinitionBuilder* blur = TF_NewOpDefinitionBuilder("AttentionDropBlurKeys");
    TF_OpDefinitionBuilderAddInput(blur, "x: T");
    TF_OpDefinitionBuilderAddInput(blur, "taps: T");
    TF_OpDefinitionBuilderAddOutput(blur, "y: T");
    TF_OpDefinitionBuilderAddAttr(blur, "T: {float, double}");
    TF_OpDefinitionBuilderSetShapeInferenceFunction(blur, &SameShapeOutputs<1>);
    TF_RegisterOpDefinition(blur, status);
    Check(status, "AttentionDropBlurKeys");
    TF_DeleteStatus(status);

    RegisterKernels<float>("AttentionDropHardMask", TF_FLOAT, "Float", &HardMaskCreate,
                           &HardMaskCompute<float>, &HardMaskDelete);
    RegisterKernels<double>("AttentionDropHardMask", TF_DOUBLE, "Double", &HardMaskCreate,
                            &HardMaskCompute<double>, &HardMaskDelete);
    RegisterKernels<float>("AttentionDropBlurKeys", TF_FLOAT, "Float", &NoState,
                           &BlurCompute<float>, &NoDelete);
    RegisterKernels<double>("AttentionDropBlurKeys", TF_DOUBLE, "Double", &NoState,
                            &BlurCompute<double>, &NoDelete);
  }
};

const Registration registration;

}  // namespace
