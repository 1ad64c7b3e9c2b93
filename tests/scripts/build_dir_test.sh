#!/usr/bin/env bash
# scripts/demo and scripts/test in a moved or copied checkout: a build directory configured for
# another checkout is reconfigured for this one instead of failing on CMake's cache error.
#   build_dir_test.sh SOURCE_DIR CMAKE_CACHE_OF_A_REAL_BUILD
set -euo pipefail
src=$1
real_cache=$2
. "$src/scripts/lib/build_dir.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The function: its own build dir is kept, another checkout's (copied or moved) is removed.
mkdir -p "$tmp/a/build/release" "$tmp/b" "$tmp/c/build/release"
printf 'CMAKE_HOME_DIRECTORY:INTERNAL=%s\n' "$tmp/a" > "$tmp/a/build/release/CMakeCache.txt"
cp -r "$tmp/a/build" "$tmp/b/"
printf 'CMAKE_HOME_DIRECTORY:INTERNAL=/nonexistent/moved-away\n' > "$tmp/c/build/release/CMakeCache.txt"
(cd "$tmp/a" && out=$(hs_reset_foreign_build_dir build/release) && [ -z "$out" ] && [ -f build/release/CMakeCache.txt ]) ||
  fail "a checkout's own build dir was touched"
(cd "$tmp/b" && out=$(hs_reset_foreign_build_dir build/release) && [[ $out == *"configured for $tmp/a"* ]] &&
  [ ! -e build/release ]) || fail "a copied checkout's build dir was not reset"
(cd "$tmp/c" && out=$(hs_reset_foreign_build_dir build/release) && [[ $out == *"/nonexistent/moved-away"* ]] &&
  [ ! -e build/release ]) || fail "a moved checkout's build dir was not reset"
(cd "$tmp" && hs_reset_foreign_build_dir build/none) || fail "a missing build dir is not an error"

# 2. For real: a copy of this checkout whose build/release holds another checkout's CMake cache
# configures cleanly with hs_configure (plain `cmake --preset` refuses it).
mkdir "$tmp/copy"
tar -C "$src" --exclude=./build --exclude=./run --exclude=./.git -cf - . | tar -C "$tmp/copy" -xf -
mkdir -p "$tmp/copy/build/release"
cp "$real_cache" "$tmp/copy/build/release/CMakeCache.txt"
cd "$tmp/copy"
if cmake --preset release >/dev/null 2>&1; then fail "expected plain cmake to refuse another checkout's cache"; fi
hs_configure release || fail "hs_configure could not reconfigure the copied checkout"
grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$tmp/copy\$" build/release/CMakeCache.txt ||
  fail "build/release is not configured for the copy"
echo "PASS"
