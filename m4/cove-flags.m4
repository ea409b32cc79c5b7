# cove-flags.m4: compiler and linker flag probes for the hardening,
# -Werror and sanitizer options of configure.ac.
#
# Each probe adds -Werror while it runs: a flag the compiler accepts with
# a warning (clang's "argument unused during compilation", glibc's
# "_FORTIFY_SOURCE requires compiling with optimization") would otherwise
# pass here and then break an --enable-werror build.  The probes never
# touch CFLAGS or LDFLAGS themselves, which stay the user's.

# COVE_CHECK_CFLAG(FLAGS, VARIABLE, [PROLOGUE], [BODY])
# -----------------------------------------------------
# Appends FLAGS to the shell VARIABLE when a program made of PROLOGUE and
# BODY compiles with $CFLAGS $VARIABLE FLAGS -Werror.  BODY may hold an
# #error to reject a flag the compiler takes but does not honour.
AC_DEFUN([COVE_CHECK_CFLAG],
[AC_MSG_CHECKING([whether $CC accepts $1])
cove_cflag_save=$CFLAGS
CFLAGS="$CFLAGS $$2 $1 -Werror"
AC_COMPILE_IFELSE([AC_LANG_PROGRAM([$3], [$4])],
  [AC_MSG_RESULT([yes])
   $2="$$2 $1"],
  [AC_MSG_RESULT([no])])
CFLAGS=$cove_cflag_save
])

# COVE_CHECK_LDFLAG(FLAGS, VARIABLE, [PROLOGUE], [BODY], [EXTRA-LIBS])
# -------------------------------------------------------------------
# Appends FLAGS to the shell VARIABLE when a program made of PROLOGUE and
# BODY links with $LDFLAGS $VARIABLE FLAGS (and EXTRA-LIBS) and, unless
# cross-compiling, runs and exits 0: a static-pie glibc that links but
# crashes in its start-up code is caught here, not in the test suite.
AC_DEFUN([COVE_CHECK_LDFLAG],
[AC_MSG_CHECKING([whether $CC links with $1])
cove_ldflag_save_CFLAGS=$CFLAGS
cove_ldflag_save_LDFLAGS=$LDFLAGS
cove_ldflag_save_LIBS=$LIBS
CFLAGS="$CFLAGS -Werror"
LDFLAGS="$LDFLAGS $$2 $1"
LIBS="$5 $LIBS"
AC_RUN_IFELSE([AC_LANG_PROGRAM([$3], [$4])],
  [cove_flag_ok=yes], [cove_flag_ok=no],
  [AC_LINK_IFELSE([AC_LANG_PROGRAM([$3], [$4])],
    [cove_flag_ok=yes], [cove_flag_ok=no])])
CFLAGS=$cove_ldflag_save_CFLAGS
LDFLAGS=$cove_ldflag_save_LDFLAGS
LIBS=$cove_ldflag_save_LIBS
AC_MSG_RESULT([$cove_flag_ok])
AS_IF([test "x$cove_flag_ok" = xyes], [$2="$$2 $1"])
])
