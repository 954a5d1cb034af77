#ifndef MAMI_CZLIB_SHIM_H
#define MAMI_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 is a macro that Swift cannot call; windowBits 15 + 16 asks for a gzip wrapper.
static inline int mami_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
}
#endif
