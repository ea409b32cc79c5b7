/* Diagnostics: to stderr, and to --log FILE as text or one JSON object per
 * line ({"level","msg","time"}, the shape containerd and podman parse). */
#ifndef COVE_LOG_H
#define COVE_LOG_H

#include <stdbool.h>

enum log_level
{
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG
};

/* path NULL: stderr only. Returns -1 (errno set) if the file cannot open. */
int log_init (const char *path, bool json, bool debug);
void log_msg (enum log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
#define log_error(...) log_msg (LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg (LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_debug(...) log_msg (LOG_LEVEL_DEBUG, __VA_ARGS__)
/* The log fd (for children that must keep logging), -1 if stderr only. */
int log_fd (void);

#endif
