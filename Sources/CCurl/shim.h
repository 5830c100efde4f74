#ifndef OWNER_REPORT_CCURL_SHIM_H
#define OWNER_REPORT_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt is variadic, which Swift cannot call; one typed wrapper per argument kind.
static inline CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// See CCurl_setopt_long: for options that take a string (libcurl copies it).
static inline CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

// See CCurl_setopt_long: for options that take a pointer (user data, lists) kept alive by the caller.
static inline CURLcode CCurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// See CCurl_setopt_long: for options that take a callback; the typedef keeps Swift's closure type exact.
typedef size_t (*CCurl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode CCurl_setopt_callback(CURL *handle, CURLoption option, CCurl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// See CCurl_setopt_long: CURLOPT_DEBUGFUNCTION's callback has its own signature (the SMTP dialogue is read through it).
typedef int (*CCurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *context);
static inline CURLcode CCurl_setopt_debug_callback(CURL *handle, CCurl_debug_callback value) {
    return curl_easy_setopt(handle, CURLOPT_DEBUGFUNCTION, value);
}

// curl_easy_getinfo is variadic; typed wrappers for long-valued information.
static inline CURLcode CCurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// curl_easy_getinfo is variadic; typed wrapper for curl_off_t-valued information (Retry-After).
static inline CURLcode CCurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
