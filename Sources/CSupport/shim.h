/* C library declarations Swift's Glibc module does not bring in. */
#include <malloc.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* The kernel id of the calling thread (gettid(2) needs _GNU_SOURCE in glibc's headers). */
static inline pid_t enertrack_gettid(void) { return (pid_t)syscall(SYS_gettid); }
