#ifndef OWNER_REPORT_CCURL_SHIM_H
#define OWNER_REPORT_CCURL_SHIM_H
#include <curl/curl.h>

// libcurl is not linked: OwnerReportDelivery's CurlLibrary opens libcurl.so.4 with dlopen(3) the first
// time a transfer is made, so a program that sends nothing (the watchdog's pass over a healthy queue)
// never loads libcurl and the thirty-odd libraries under it. The header gives the types and constants.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call; these typed wrappers
// call them through the address dlsym(3) returned (`function`), with the variadic type C needs.
typedef CURLcode (*CCurl_setopt_function)(CURL *handle, CURLoption option, ...);
typedef CURLcode (*CCurl_getinfo_function)(CURL *handle, CURLINFO info, ...);

// For options that take a long.
static inline CURLcode CCurl_setopt_long(void *function, CURL *handle, CURLoption option, long value) {
    return ((CCurl_setopt_function)function)(handle, option, value);
}

// For options that take a string (libcurl copies it).
static inline CURLcode CCurl_setopt_string(void *function, CURL *handle, CURLoption option, const char *value) {
    return ((CCurl_setopt_function)function)(handle, option, value);
}

// For options that take a pointer (user data, lists) kept alive by the caller.
static inline CURLcode CCurl_setopt_pointer(void *function, CURL *handle, CURLoption option, void *value) {
    return ((CCurl_setopt_function)function)(handle, option, value);
}

// For options that take a data callback; the typedef keeps Swift's closure type exact.
typedef size_t (*CCurl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode CCurl_setopt_callback(void *function, CURL *handle, CURLoption option, CCurl_data_callback value) {
    return ((CCurl_setopt_function)function)(handle, option, value);
}

// CURLOPT_DEBUGFUNCTION's callback has its own signature (the SMTP dialogue is read through it).
typedef int (*CCurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *context);
static inline CURLcode CCurl_setopt_debug_callback(void *function, CURL *handle, CCurl_debug_callback value) {
    return ((CCurl_setopt_function)function)(handle, CURLOPT_DEBUGFUNCTION, value);
}

// CURLOPT_XFERINFOFUNCTION's callback, through which a transfer in progress is aborted on a stop.
typedef int (*CCurl_progress_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                       curl_off_t upload_total, curl_off_t upload_now);
static inline CURLcode CCurl_setopt_progress_callback(void *function, CURL *handle, CCurl_progress_callback value) {
    return ((CCurl_setopt_function)function)(handle, CURLOPT_XFERINFOFUNCTION, value);
}

// For long-valued information (the response code).
static inline CURLcode CCurl_getinfo_long(void *function, CURL *handle, CURLINFO info, long *value) {
    return ((CCurl_getinfo_function)function)(handle, info, value);
}
#endif
