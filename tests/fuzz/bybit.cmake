# Bybit v5: parser (public stream and account messages) and DepthBook on arbitrary bytes.
# Included from tests/fuzz/CMakeLists.txt (S and HS_FUZZ_BASE are set there).
hs_cc_fuzz(NAME bybit_fuzz
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/bybit_fuzz.cc ${HS_FUZZ_BASE} ${S}/core/book/order_book.cc
       ${S}/venues/bybit/bybit_parse.cc ${S}/venues/bybit/bybit_book.cc
  DEPS simdjson::simdjson
  SEEDS ${S}/tests/fixtures/venues/bybit)
