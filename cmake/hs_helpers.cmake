# Target helpers so each CMakeLists.txt reads like a manifest (shaped like absl_cc_library).

# Warnings-as-errors and arch flags for our own targets only; third-party includes are SYSTEM.
add_library(hs_internal_flags INTERFACE)
target_compile_options(hs_internal_flags INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wno-unused-parameter
  $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overflow>
  -fno-omit-frame-pointer)
if(HS_MARCH)
  target_compile_options(hs_internal_flags INTERFACE -march=${HS_MARCH})
endif()
if(HS_SANITIZE)
  target_compile_options(hs_internal_flags INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  target_link_options(hs_internal_flags INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(hs_internal_flags INTERFACE HS_SANITIZED=1)
endif()
if(HS_TSAN)
  target_compile_options(hs_internal_flags INTERFACE -fsanitize=thread)
  target_link_options(hs_internal_flags INTERFACE -fsanitize=thread)
  target_compile_definitions(hs_internal_flags INTERFACE HS_SANITIZED=1)
endif()

# The build's own paths (source dir, bin dir) for tests and benchmarks, in one generated file
# instead of -D flags on every compilation, so ccache can share the rest between checkouts.
configure_file(${CMAKE_CURRENT_LIST_DIR}/hs_paths.cc.in ${CMAKE_BINARY_DIR}/generated/hs_paths.cc @ONLY)
add_library(hs_paths STATIC ${CMAKE_BINARY_DIR}/generated/hs_paths.cc)
target_include_directories(hs_paths PUBLIC ${PROJECT_SOURCE_DIR})

# hs_cc_library(NAME x [HDRS ...] [SRCS ...] [DEPS ...])  -> target hs_x, alias hs::x
function(hs_cc_library)
  cmake_parse_arguments(A "" "NAME" "HDRS;SRCS;DEPS" ${ARGN})
  set(tgt hs_${A_NAME})
  if(A_SRCS)
    add_library(${tgt} STATIC ${A_SRCS} ${A_HDRS})
    target_include_directories(${tgt} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${tgt} PUBLIC ${A_DEPS} PRIVATE hs_internal_flags)
    # Sanitizer/arch flags must reach consumers' link lines too.
    target_link_libraries(${tgt} INTERFACE hs_internal_flags)
  else()
    add_library(${tgt} INTERFACE ${A_HDRS})
    target_include_directories(${tgt} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${tgt} INTERFACE ${A_DEPS} hs_internal_flags)
  endif()
  add_library(hs::${A_NAME} ALIAS ${tgt})
endfunction()

# hs_cc_binary(NAME homeostat SRCS ... DEPS ...)
function(hs_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} hs_internal_flags)
endfunction()

# hs_cc_test(NAME x SRCS ... DEPS ... [LABELS ...] [TIMEOUT s] [NO_MAIN])
function(hs_cc_test)
  cmake_parse_arguments(A "NO_MAIN" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  if(A_NO_MAIN)
    target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock hs_internal_flags)
  else()
    target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest_main GTest::gmock hs_internal_flags)
  endif()
  target_link_libraries(${A_NAME} PRIVATE hs_paths)
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT})
  if(A_LABELS)
    set_tests_properties(${A_NAME} PROPERTIES LABELS "${A_LABELS}")
  endif()
endfunction()

# hs_cc_benchmark(NAME x SRCS ... DEPS ...)
function(hs_cc_benchmark)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark hs_internal_flags)
endfunction()

# hs_cc_fuzz(NAME x SRCS ... DEPS ... [SEEDS dir...] [SECONDS n])
# A libFuzzer target (clang only). The sources listed here — the fuzz entry point *and* the
# code under test — are compiled with coverage instrumentation; the ctest entry runs the fuzzer
# for a bounded time over the seed directories (read-only) plus a scratch corpus in the build tree.
function(hs_cc_fuzz)
  cmake_parse_arguments(A "" "NAME;SECONDS" "SRCS;DEPS;SEEDS" ${ARGN})
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    return()
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${A_NAME} PRIVATE -fsanitize=fuzzer)
  target_link_options(${A_NAME} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} hs_internal_flags)
  if(NOT A_SECONDS)
    set(A_SECONDS 15)
  endif()
  set(corpus ${CMAKE_BINARY_DIR}/fuzz_corpus/${A_NAME})
  file(MAKE_DIRECTORY ${corpus})
  add_test(NAME ${A_NAME}
    COMMAND ${A_NAME} -max_total_time=${A_SECONDS} -timeout=10 -rss_limit_mb=3072 -seed=1 -print_final_stats=1
            ${corpus} ${A_SEEDS})
  set_tests_properties(${A_NAME} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
