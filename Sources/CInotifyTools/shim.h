#ifndef OWNER_REPORT_CINOTIFYTOOLS_SHIM_H
#define OWNER_REPORT_CINOTIFYTOOLS_SHIM_H
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>

// struct inotify_event ends in a flexible array member `name[]`, which Swift does not import.
static inline const char *CInotifyTools_event_name(const struct inotify_event *event) {
    return event->len > 0 ? event->name : "";
}
#endif
