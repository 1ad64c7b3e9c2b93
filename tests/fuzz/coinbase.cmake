# Coinbase: the parser and the ConnectionBooks compiled into the fuzzer (included from
# tests/fuzz/CMakeLists.txt, which defines S and HS_FUZZ_BASE). Seeds: the recorded samples.
hs_cc_fuzz(NAME coinbase_fuzz
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/coinbase_fuzz.cc ${HS_FUZZ_BASE} ${S}/core/book/order_book.cc
       ${S}/venues/coinbase/coinbase_parse.cc ${S}/venues/coinbase/coinbase_book.cc
  DEPS simdjson::simdjson
  SEEDS ${S}/tests/fixtures/venues/coinbase)
