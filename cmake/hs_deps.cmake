# Third-party dependencies, all from Debian packages (scripts/bootstrap installs them).
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(simdjson REQUIRED)
find_package(absl REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json REQUIRED)  # simulator request parsing; bench baseline
find_package(PkgConfig REQUIRED)
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)

# toml11, CLI11, moodycamel, nlohmann and RapidJSON are header-only; locate their headers.
find_path(HS_TOML11_INCLUDE toml.hpp REQUIRED)
find_path(HS_CLI11_INCLUDE CLI/CLI.hpp REQUIRED)
find_path(HS_MOODYCAMEL_INCLUDE concurrentqueue/concurrentqueue.h REQUIRED)

add_library(hs_thirdparty_toml INTERFACE)
target_include_directories(hs_thirdparty_toml SYSTEM INTERFACE ${HS_TOML11_INCLUDE})
add_library(hs_thirdparty_cli11 INTERFACE)
target_include_directories(hs_thirdparty_cli11 SYSTEM INTERFACE ${HS_CLI11_INCLUDE})
add_library(hs_thirdparty_moodycamel INTERFACE)
target_include_directories(hs_thirdparty_moodycamel SYSTEM INTERFACE ${HS_MOODYCAMEL_INCLUDE})

# Boost.Asio / Beast are header-only; keep them out of the engine (STYLE §2).
add_library(hs_thirdparty_beast INTERFACE)
target_link_libraries(hs_thirdparty_beast INTERFACE Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_definitions(hs_thirdparty_beast INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_DISABLE_BOOST_COROUTINE)

if(HS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
  find_path(HS_RAPIDJSON_INCLUDE rapidjson/document.h)
endif()
