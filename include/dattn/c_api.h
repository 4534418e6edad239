/* dattn C ABI. Every function returns a dattn_status; on failure the message is available
 * from dattn_last_error() (per thread, valid until the next dattn call on that thread).
 * No exception ever crosses this boundary. Enum values equal the C++ ones in types.h. */
#ifndef DATTN_C_API_H
#define DATTN_C_API_H

#include <stddef.h>
#include <stdint.h>

#include "dattn/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dattn_status {
  DATTN_OK = 0,
  DATTN_ERROR_INVALID_ARGUMENT = 1,
  DATTN_ERROR_UNSUPPORTED = 2,
  DATTN_ERROR_FALLBACK_REFUSED = 3,
  DATTN_ERROR_NO_BACKEND = 4,
  DATTN_ERROR_DEVICE = 5,
  DATTN_ERROR_INTERNAL = 6
} dattn_status;

typedef enum dattn_dtype { DATTN_F32 = 0, DATTN_F16 = 1, DATTN_BF16 = 2 } dattn_dtype;
typedef enum dattn_device { DATTN_CPU = 0, DATTN_CUDA = 1, DATTN_MUSA = 2 } dattn_device;
typedef enum dattn_layout { DATTN_HND = 0, DATTN_NHD = 1 } dattn_layout;
typedef enum dattn_backend { DATTN_SDPA = 0, DATTN_FA = 1, DATTN_SAGE_ATTN = 2 } dattn_backend;

typedef struct dattn_tensor {
  void* data;
  int32_t dtype;        /* dattn_dtype */
  int32_t device;       /* dattn_device */
  int32_t device_index;
  int64_t shape[4];     /* in the order of the layout */
  int64_t strides[4];   /* in elements */
} dattn_tensor;

typedef struct dattn_options {
  int32_t layout;        /* dattn_layout */
  int32_t causal;        /* 0 or 1 */
  float sm_scale;        /* 0: 1/sqrt(head_dim); otherwise finite and > 0 */
  const char* backend;   /* NULL, "" or "auto": default */
  int32_t policy;        /* -1: from DATTN_STRICT; 0 warn; 1 strict */
  int32_t sage_pv;       /* 0 automatic, 1 fp8, 2 f16 */
  void* stream;          /* cudaStream_t or NULL */
} dattn_options;

/* Fills `options` with the defaults (HND, non-causal, default scale, auto backend). */
DATTN_API void dattn_options_init(dattn_options* options);

/* `lse` may be NULL. `chosen_backend` may be NULL; otherwise receives the dattn_backend that ran. */
DATTN_API dattn_status dattn_attention(const dattn_tensor* q, const dattn_tensor* k,
                                       const dattn_tensor* v, const dattn_tensor* out,
                                       const dattn_tensor* lse, const dattn_options* options,
                                       int32_t* chosen_backend);

DATTN_API const char* dattn_last_error(void);
DATTN_API const char* dattn_version(void);

#ifdef __cplusplus
}
#endif

#endif /* DATTN_C_API_H */
