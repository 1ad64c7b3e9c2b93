# OKX v5: the market and private parsers, the L2Book rules and the order tracker on arbitrary
# bytes (included from tests/fuzz/CMakeLists.txt, which defines S and HS_FUZZ_BASE).
hs_cc_fuzz(NAME okx_fuzz
  SRCS okx_fuzz.cc ${HS_FUZZ_BASE} ${S}/core/book/order_book.cc ${S}/venues/okx/okx_parse.cc
       ${S}/venues/okx/okx_book.cc
  DEPS simdjson::simdjson
  SEEDS ${S}/tests/fixtures/venues/okx)
