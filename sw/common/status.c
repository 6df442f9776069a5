/* Status names and error-message helpers (see dla/status.h). */
#include "dla/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *dla_status_name(dla_status status)
{
    switch (status) {
    case DLA_OK: return "ok";
    case DLA_ERR_IO: return "io";
    case DLA_ERR_FORMAT: return "format";
    case DLA_ERR_INVALID: return "invalid";
    case DLA_ERR_UNSUPPORTED: return "unsupported";
    case DLA_ERR_LIMIT: return "limit";
    case DLA_ERR_NOMEM: return "nomem";
    case DLA_ERR_TIMEOUT: return "timeout";
    case DLA_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

dla_status dla_error_set(dla_error *err, dla_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

void dla_error_prefix(dla_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[512];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof err->msg - n - 3;
    size_t m = strlen(old);
    if (m > room)
        m = room;
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
}
