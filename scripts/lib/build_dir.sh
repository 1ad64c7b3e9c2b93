# Sourced by scripts/demo and scripts/test (bash).
#
# A build directory remembers the checkout it was configured for (CMakeCache.txt's
# CMAKE_HOME_DIRECTORY). A checkout that was moved or copied, build/ included, makes CMake refuse
# with "the current CMakeCache.txt directory ... is different": such a directory belongs to
# another checkout, so it is removed and configured again for this one. ccache keeps the
# rebuild cheap.

# hs_reset_foreign_build_dir DIR: removes DIR when it was configured for another source tree.
hs_reset_foreign_build_dir() {
  local dir=$1 cache="$1/CMakeCache.txt" home here
  [ -f "$cache" ] || return 0
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
  here=$(pwd -P)
  if [ -n "$home" ] && [ "$(cd "$home" 2>/dev/null && pwd -P)" = "$here" ]; then
    return 0
  fi
  echo "==> $dir was configured for ${home:-an unknown checkout}, not $here: reconfiguring it"
  rm -rf "$dir"
}

# hs_configure PRESET: configures build/PRESET for this checkout (quiet unless it fails).
hs_configure() {
  local preset=$1 log
  hs_reset_foreign_build_dir "build/$preset"
  log=$(cmake --preset "$preset" 2>&1) || { echo "$log" >&2; return 1; }
}
