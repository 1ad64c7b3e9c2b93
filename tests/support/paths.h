#pragma once
// Where this build's sources and binaries are, for tests and benchmarks (defined in a file
// CMake generates into the build tree: cmake/hs_paths.cc.in).

namespace hs::paths {
const char* SourceDir();        // the checkout's root
const char* BinDir();           // build/<preset>/bin
const char* VenueSamplesDir();  // tests/fixtures/venues
}  // namespace hs::paths

#define HS_SOURCE_DIR (::hs::paths::SourceDir())
#define HS_BIN_DIR (::hs::paths::BinDir())
#define HS_VENUE_SAMPLES_DIR (::hs::paths::VenueSamplesDir())
