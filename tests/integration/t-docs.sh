#!/bin/bash
# t-docs: the documentation says what the binaries do.  For cove, each of
# its commands and cove-shim: the long options `--help` prints are exactly
# those the man page (man/*.8.md) documents; every option of the getopt
# tables in the sources is in some --help; every command has its page; the
# generated pages are those go-md2man makes from the sources today and
# Makefile.am installs them all; the shell completions offer every option
# (bash: exactly the --help set) and parse.  Runs no container: no root.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
COVE=${RUNTIME:-$top/cove}
SHIM=$top/cove-shim
n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  local line
  for line in "$@"; do
    printf '%s\n' "$line" | sed 's/^/# /'
  done
}

skip_test () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

case $(basename "$COVE") in
  cove) ;;
  *)
    echo "1..0 # SKIP the documentation is cove's (RUNTIME=$COVE)"
    exit 0
    ;;
esac
if [ ! -x "$COVE" ]; then
  echo "Bail out! $COVE is not built"
  exit 1
fi

# Long options named in a text, one per line, sorted.
long_options () {
  grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# The options a man page documents: its definition-list headings, the
# lines that start with a bold option (`**--bundle**, **-b** *DIR*`).
man_options () {
  grep -E '^\*\*-' "$1" | long_options
}

# same WHAT A B: the two lists must be equal.
same () {
  local what=$1 a=$2 b=$3
  if [ "$a" = "$b" ]; then
    ok "$what"
  else
    not_ok "$what" "only in the first: $(comm -23 <(echo "$a") <(echo "$b") | tr '\n' ' ')" \
      "only in the second: $(comm -13 <(echo "$a") <(echo "$b") | tr '\n' ' ')"
  fi
}

# The global options of `cove --help`: its part before the commands, whose
# summaries mention options of their own.
global_help () {
  "$COVE" --help | sed '/^commands:/,$d'
}

# The commands `cove --help` lists (two-space indent, then a name).
commands=$("$COVE" --help | sed -n '/^commands:/,$p' | sed -n 's/^  \([a-z]*\) .*/\1/p')
[ -n "$commands" ] || { echo "Bail out! no commands in cove --help"; exit 1; }

# ---------------------------------------------------------------------------
# Man pages against --help

same "cove --help and man/cove.8.md: the same global options" \
  "$(global_help | long_options)" "$(man_options "$top/man/cove.8.md")"

pages=$(cd "$top/man" && printf '%s\n' cove-*.8.md | sed 's/^cove-//; s/\.8\.md$//' | grep -vx shim | sort)
same "every command has a page, every page a command" "$(sort <<<"$commands")" "$pages"

for cmd in $commands; do
  page=$top/man/cove-$cmd.8.md
  [ -f "$page" ] || continue
  same "cove $cmd --help and cove-$cmd(8): the same options" \
    "$("$COVE" "$cmd" --help | long_options)" "$(man_options "$page")"
  # The page's synopsis names the command.
  if grep -q "\*\*$cmd\*\*" "$page" && grep -q "^cove-$cmd - " "$page"; then
    ok "cove-$cmd(8) has its NAME and SYNOPSIS"
  else
    not_ok "cove-$cmd(8) has its NAME and SYNOPSIS"
  fi
done

if [ -x "$SHIM" ]; then
  same "cove-shim --help and cove-shim(8): the same options" \
    "$("$SHIM" --help | long_options)" "$(man_options "$top/man/cove-shim.8.md")"
else
  skip_test "cove-shim --help and cove-shim(8)" "cove-shim is not built"
fi

# ---------------------------------------------------------------------------
# The getopt tables of the sources against --help

# Long option names of `struct option` tables: { "name", x_argument, ...
source_options () {
  grep -ohE '\{ *"[a-z][a-z0-9-]*", *(no|required|optional)_argument' "$@" \
    | sed -E 's/\{ *"([^"]*)".*/--\1/' | sort -u
}

all_help=$({
  "$COVE" --help
  for cmd in $commands; do "$COVE" "$cmd" --help; done
} | long_options)
missing=$(comm -23 <(source_options "$top"/src/cli/*.c) <(echo "$all_help"))
if [ -z "$missing" ]; then
  ok "every option of src/cli/*.c is in a --help"
else
  not_ok "every option of src/cli/*.c is in a --help" "missing: $(echo "$missing" | tr '\n' ' ')"
fi
if [ -x "$SHIM" ] && [ -f "$top/src/shim/main.c" ]; then
  missing=$(comm -23 <(source_options "$top/src/shim/main.c") <("$SHIM" --help | long_options))
  if [ -z "$missing" ]; then
    ok "every option of src/shim/main.c is in cove-shim --help"
  else
    not_ok "every option of src/shim/main.c is in cove-shim --help" \
      "missing: $(echo "$missing" | tr '\n' ' ')"
  fi
else
  skip_test "every option of src/shim/main.c is in cove-shim --help" "cove-shim is not built"
fi

# ---------------------------------------------------------------------------
# Generated pages and their installation

stale=""
missing=""
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for md in "$top"/man/*.8.md; do
  page=${md%.md}
  if [ ! -f "$page" ]; then
    missing+=" ${page##*/}"
  elif command -v go-md2man >/dev/null; then
    go-md2man -in "$md" -out "$tmp/page" && cmp -s "$tmp/page" "$page" || stale+=" ${page##*/}"
  fi
done
if [ -n "$missing$stale" ]; then
  not_ok "every man/*.8.md has its generated page, up to date" "missing:$missing" \
    "stale (run make):$stale"
elif command -v go-md2man >/dev/null; then
  ok "every man/*.8.md has its generated page, up to date"
else
  ok "every man/*.8.md has its generated page (go-md2man absent: not compared)"
fi

listed=$(sed -n '/^MAN_PAGES *=/,/^[^	]*$/p' "$top/Makefile.am" | grep -oE 'man/[a-z-]+\.8' | sort)
same "Makefile.am installs every page" "$listed" \
  "$(cd "$top" && printf '%s\n' man/*.8.md | sed 's/\.md$//' | sort)"

# ---------------------------------------------------------------------------
# Completions offer every option

# shellcheck source=completions/bash/cove
. "$top/completions/bash/cove"
for cmd in $commands; do
  same "bash completion of cove $cmd: the --help options" \
    "$("$COVE" "$cmd" --help | long_options)" "$(_cove_options "$cmd" | long_options)"
done
same "bash completion: the global options" "$(global_help | long_options)" \
  "$(echo "$_cove_globals" | long_options)"
same "bash completion: the commands" "$(sort <<<"$commands")" \
  "$(tr ' ' '\n' <<<"${_cove_commands//$'\n'/ }" | grep . | sort)"

# zsh and fish: each option of each --help appears in the file.
zsh_missing=""
fish_missing=""
for opt in $all_help; do
  grep -qE -- "(^|[^a-z-])$opt([^a-z0-9-]|\$)" "$top/completions/zsh/_cove" \
    || zsh_missing+=" $opt"
  grep -qE -- "-l ${opt#--}( |\$)" "$top/completions/fish/cove.fish" || fish_missing+=" $opt"
done
if [ -z "$zsh_missing" ]; then ok "zsh completion has every option"; else
  not_ok "zsh completion has every option" "missing:$zsh_missing"; fi
if [ -z "$fish_missing" ]; then ok "fish completion has every option"; else
  not_ok "fish completion has every option" "missing:$fish_missing"; fi

if [ -x "$SHIM" ]; then
  shim_help=$("$SHIM" --help | long_options)
  bash_shim=$(grep -A3 'local opts=' "$top/completions/bash/cove-shim" | long_options)
  same "bash completion of cove-shim: the --help options" "$shim_help" "$bash_shim"
  zsh_missing=""
  fish_missing=""
  for opt in $shim_help; do
    grep -qE -- "(^|[^a-z-])$opt([^a-z0-9-]|\$)" "$top/completions/zsh/_cove-shim" \
      || zsh_missing+=" $opt"
    grep -qE -- "-l ${opt#--}( |\$)" "$top/completions/fish/cove-shim.fish" \
      || fish_missing+=" $opt"
  done
  if [ -z "$zsh_missing$fish_missing" ]; then ok "zsh and fish completions of cove-shim"; else
    not_ok "zsh and fish completions of cove-shim" "zsh missing:$zsh_missing" \
      "fish missing:$fish_missing"; fi
else
  skip_test "completions of cove-shim against its --help" "cove-shim is not built"
fi

if command -v zsh >/dev/null; then
  if zsh -n "$top/completions/zsh/_cove" && zsh -n "$top/completions/zsh/_cove-shim"; then
    ok "zsh completions parse"
  else
    not_ok "zsh completions parse"
  fi
else
  skip_test "zsh completions parse" "no zsh"
fi
if command -v fish >/dev/null; then
  if fish -n "$top/completions/fish/cove.fish" && fish -n "$top/completions/fish/cove-shim.fish"
  then
    ok "fish completions parse"
  else
    not_ok "fish completions parse"
  fi
else
  skip_test "fish completions parse" "no fish"
fi

echo "1..$n"
[ "$failed" = 0 ]
