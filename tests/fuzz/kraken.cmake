# Kraken WebSocket v2: parser (fast level scanner vs On-Demand) and book rules. Included from
# tests/fuzz/CMakeLists.txt, so paths are relative to tests/fuzz; S and HS_FUZZ_BASE come from there.
hs_cc_fuzz(NAME kraken_fuzz
  SRCS kraken_fuzz.cc ${HS_FUZZ_BASE} ${S}/core/book/order_book.cc ${S}/venues/kraken/kraken_parse.cc
       ${S}/venues/kraken/kraken_book.cc
  DEPS simdjson::simdjson
  SEEDS ${S}/tests/fixtures/venues/kraken)
