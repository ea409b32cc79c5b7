#!/bin/bash
# t-hardening: the binaries carry the hardening configure.ac turns on by
# default, read from the ELF headers as checksec would: position-independent
# (cove: a static PIE), full RELRO (GNU_RELRO and BIND_NOW), no executable
# stack, no text relocations; cove's own objects call the stack protector
# and fortified functions and carry the CET marks; and the hardened cove
# runs a container.  Skipped for another runtime
# (RUNTIME=runc) and for a tree configured with --disable-hardening.  A
# sanitizer build (--enable-sanitizers) is a dynamic PIE without
# fortification, and is checked as such.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2317 # run sets status/output/errout; tests are called by name
. "$(dirname "$0")/lib.sh"

# make_var NAME: a variable of the configured Makefile ("" when absent).
make_var () {
  sed -n "s/^$1 = *//p" "$LIB_TOP/Makefile" 2>/dev/null | head -n 1
}

if [ "$(readlink -f "$RUNTIME")" != "$(readlink -f "$LIB_TOP/cove")" ]; then
  echo "1..0 # SKIP checks how this tree builds cove, not $(runtime_name)"
  exit 77
fi
command -v readelf >/dev/null || lib_bail "readelf (binutils) is not installed"
[ -f "$LIB_TOP/Makefile" ] || lib_bail "$LIB_TOP is not configured"
HARDEN_LDFLAGS=$(make_var HARDEN_LDFLAGS)
HARDEN_CPPFLAGS=$(make_var HARDEN_CPPFLAGS)
HARDEN_CFLAGS=$(make_var HARDEN_CFLAGS)
COVE_LDFLAGS=$(make_var COVE_LDFLAGS)
if [ -z "$HARDEN_LDFLAGS" ]; then
  echo "1..0 # SKIP configured with --disable-hardening"
  exit 77
fi

BINARIES=("$LIB_TOP/cove")
[ ! -x "$LIB_TOP/cove-shim" ] || BINARIES+=("$LIB_TOP/cove-shim")

elf_type () { readelf -hW "$1" | awk '$1 == "Type:" { print $2 }'; }
# Whether the program headers have a segment of TYPE (GNU_RELRO, INTERP).
has_segment () { readelf -lW "$1" | awk -v t="$2" '$1 == t { f = 1 } END { exit !f }'; }

test_pie () {
  local bin
  case " $COVE_LDFLAGS " in
    *" -static "*) skip "cove is linked -static: this toolchain cannot make a static PIE" ;;
  esac
  for bin in "${BINARIES[@]}"; do
    assert_eq "$(elf_type "$bin")" DYN "ELF type of ${bin##*/}"
    # A static PIE has no interpreter; a dynamic one does.
    case " $COVE_LDFLAGS " in
      *" -static-pie "*)
        ! has_segment "$bin" INTERP || fail "${bin##*/} has a program interpreter" ;;
    esac
  done
}

test_relro () {
  local bin dyn
  for bin in "${BINARIES[@]}"; do
    has_segment "$bin" GNU_RELRO || fail "${bin##*/} has no GNU_RELRO segment"
    dyn=$(readelf -dW "$bin")
    echo "$dyn" >>"$TEST_LOG"
    # ld writes DF_BIND_NOW in FLAGS and DF_1_NOW in FLAGS_1 for -z now.
    grep -qE '\((FLAGS|BIND_NOW)\) +([A-Z_]+ )*BIND_NOW|\(FLAGS_1\) +Flags:.* NOW( |$)' <<<"$dyn" \
      || fail "${bin##*/} is not linked with -z now"
  done
}

test_stack_and_text () {
  local bin stack
  for bin in "${BINARIES[@]}"; do
    stack=$(readelf -lW "$bin" | awk '$1 == "GNU_STACK" { print $7 }')
    assert_eq "$stack" RW "GNU_STACK flags of ${bin##*/}"
    ! readelf -dW "$bin" | grep -q TEXTREL || fail "${bin##*/} has text relocations"
  done
}

# The libraries (libc.a, libselinux.a...) call __stack_chk_fail and the
# __*_chk functions whatever cove's flags: look at cove's own objects.
test_own_code () {
  local lib undef members
  for lib in "$LIB_TOP/libcore.a" "$LIB_TOP/liboci.a"; do
    [ -f "$lib" ] || skip "${lib##*/} is not built"
    undef=$(nm "$lib" 2>/dev/null | awk '$1 == "U" { print $2 }' | sort -u)
    grep -qx __stack_chk_fail <<<"$undef" \
      || fail "${lib##*/}: no object calls __stack_chk_fail (-fstack-protector-strong)"
    # __snprintf_chk, __read_chk...: calls fortified by _FORTIFY_SOURCE.
    if [ -n "$HARDEN_CPPFLAGS" ]; then
      grep -qE '^__[a-z0-9_]+_chk$' <<<"$undef" \
        || fail "${lib##*/}: no fortified call despite $HARDEN_CPPFLAGS"
    fi
    # -fcf-protection marks every object IBT and SHSTK.
    if [[ " $HARDEN_CFLAGS " == *" -fcf-protection "* ]]; then
      members=$(ar t "$lib" | grep -c '\.o$')
      assert_eq "$(readelf -nW "$lib" | grep -c 'x86 feature: IBT, SHSTK')" "$members" \
        "objects of ${lib##*/} marked IBT and SHSTK"
    fi
  done
}

test_runs () {
  new_bundle /probe pid
  run rt run -b "$BUNDLE" "$(unique_id)"
  assert_eq "$status" 0 "exit status of run"
  assert_contains "$output" "pid=1" "probe output"
}

run_test "position-independent (cove: a static PIE)" test_pie
run_test "full RELRO: GNU_RELRO and BIND_NOW" test_relro
run_test "non-executable stack, no text relocations" test_stack_and_text
run_test "cove's objects: stack protector, fortified calls, CET marks" test_own_code
run_test "the hardened cove runs a container" test_runs
done_testing
