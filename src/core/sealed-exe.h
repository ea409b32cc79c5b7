/* Running from a sealed copy of the cove binary when a container could
 * reach us (CVE-2019-5736 class): a process of the container that opens
 * /proc/<our pid>/exe gets a sealed memfd, not the host's binary. */
#ifndef COVE_SEALED_EXE_H
#define COVE_SEALED_EXE_H

#include <stdbool.h>

#include "error.h"

/* main() records its argv so the command can be re-executed. */
void sealed_exe_set_argv (char **argv);
/* Whether /proc/self/exe is already a write-sealed memfd. */
bool sealed_exe_active (void);
/* Unless already sealed: copy /proc/self/exe into a sealed memfd and
 * re-execute the same command from it.  Returns only on error. */
int sealed_exe_reexec (rt_error_t *err);

#endif
