#pragma once
// Symbols of the public API are exported from libdattn; everything else stays hidden.
#if defined(DATTN_STATIC_DEFINE)
#define DATTN_API
#else
#define DATTN_API __attribute__((visibility("default")))
#endif
