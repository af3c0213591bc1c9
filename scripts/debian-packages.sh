#!/bin/sh
# Lists, checks and installs the Debian packages the tests use (scripts/debian-packages.txt).
#
#   scripts/debian-packages.sh list      the package names, one a line
#   scripts/debian-packages.sh check     one line per missing package; exit 1 when one is missing
#   scripts/debian-packages.sh install   install the missing ones (apt-get, as root or through sudo)
#   scripts/debian-packages.sh pretest   what `npm test` runs first: install the missing ones when it
#                                        can (root, or passwordless sudo, and apt-get), else name each
#                                        one (the tests that need it are skipped) and go on
#
# STACKLAB_NO_INSTALL=1 makes pretest only name what is missing. STACKLAB_REQUIRE_PACKAGES=1 (.ci/run)
# makes a missing package an error, in pretest and in the tests: CI cannot pass by skipping.
set -eu
cd "$(dirname "$0")/.."
LIST=scripts/debian-packages.txt

# "pkg uses why" lines without comments.
entries() { grep -v '^[[:space:]]*#' "$LIST" | grep -v '^[[:space:]]*$'; }

# Is every command or path a package provides there?
present() {
  old_ifs=$IFS
  IFS=,
  for u in $1; do
    case "$u" in
      /*) [ -e "$u" ] || { IFS=$old_ifs; return 1; } ;;
      *) command -v "$u" >/dev/null 2>&1 || { IFS=$old_ifs; return 1; } ;;
    esac
  done
  IFS=$old_ifs
}

missing() {
  entries | while read -r pkg uses _why; do
    present "$uses" || echo "$pkg"
  done
}

# How to run apt-get here: as root, through passwordless sudo, or not at all.
apt_runner() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" = 0 ]; then
    echo ""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "sudo"
  else
    return 1
  fi
}

install_missing() {
  need=$(missing | tr '\n' ' ')
  [ -n "$need" ] || return 0
  if ! sudo=$(apt_runner); then
    echo "stacklab: cannot install $need: needs apt-get and root (or sudo)" >&2
    return 1
  fi
  echo "stacklab: installing the Debian packages the tests use: $need(apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine has no package lists yet.
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
  still=$(missing | tr '\n' ' ')
  if [ -n "$still" ]; then
    echo "stacklab: apt-get installed, yet still missing: $still(see $LIST)" >&2
    return 1
  fi
}

skip_lines() {
  missing | while read -r pkg; do
    echo "stacklab: $pkg is not installed: the tests that need it are skipped (install: apt-get install $pkg)" >&2
  done
}

case "${1:-check}" in
  list) entries | while read -r pkg _rest; do echo "$pkg"; done ;;
  check)
    [ -z "$(missing)" ] && exit 0
    skip_lines
    exit 1
    ;;
  install) install_missing ;;
  pretest)
    [ -z "$(missing)" ] && exit 0
    if [ "${STACKLAB_NO_INSTALL:-}" != 1 ] && apt_runner >/dev/null; then
      install_missing || [ "${STACKLAB_REQUIRE_PACKAGES:-}" != 1 ] || exit 1
    fi
    if [ -n "$(missing)" ]; then
      skip_lines
      if [ "${STACKLAB_REQUIRE_PACKAGES:-}" = 1 ]; then
        echo "stacklab: STACKLAB_REQUIRE_PACKAGES=1: every package must be installed (scripts/debian-packages.sh install)" >&2
        exit 1
      fi
    fi
    ;;
  *)
    echo "usage: scripts/debian-packages.sh list|check|install|pretest" >&2
    exit 2
    ;;
esac
