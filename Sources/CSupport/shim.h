/* C library declarations Swift's Glibc module does not bring in. */
#include <malloc.h>
