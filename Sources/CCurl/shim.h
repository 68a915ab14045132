#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: one typed wrapper per argument kind. */
static inline CURLcode enertrack_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode enertrack_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode enertrack_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*enertrack_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode enertrack_curl_setopt_write(CURL *handle, enertrack_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode enertrack_curl_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}
typedef int (*enertrack_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode enertrack_curl_setopt_xferinfo(CURL *handle, enertrack_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
/* A flag set from one thread and read by libcurl's progress callback on another. */
static inline void enertrack_atomic_store(int *flag, int value) { __atomic_store_n(flag, value, __ATOMIC_SEQ_CST); }
static inline int enertrack_atomic_load(const int *flag) { return __atomic_load_n(flag, __ATOMIC_SEQ_CST); }
