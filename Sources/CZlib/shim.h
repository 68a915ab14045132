#include <zlib.h>

/* deflateInit2 is a macro; windowBits 31 = gzip wrapper. */
static inline int enertrack_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
