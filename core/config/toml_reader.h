// hs::config — strict, path-aware reading of TOML documents (cold path only).
//
// Wraps toml11 so every error names the field by its full path and shows the offending value:
//   config.toml: venues.okx.taker_fee: "0.1x" is not a valid decimal (invalid character in decimal)
// Paths are written as TOML keys: bare when the key is bare-key text, quoted otherwise
// (instruments."BTC/USDT".tick). Array elements are named by index (venues[1]) until the
// loader has read their name and relabelled them with Named().
// Unknown keys are errors too (a typo must not silently fall back to a default). Errors are
// thrown as ConfigError inside the loader and turned into absl::Status at its boundary;
// nothing here runs after the agents start.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <toml.hpp>

#include "core/base/decimal.h"
#include "core/base/fixed_point.h"

namespace hs::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A key as TOML writes it: bare (okx, taker_fee) when it is made of A-Z a-z 0-9 _ -, else quoted
// with escapes ("BTC/USDT").
std::string KeyText(std::string_view key);

class Node {
 public:
  Node(const toml::value* v, std::string path, std::string origin)
      : v_(v), path_(std::move(path)), origin_(std::move(origin)) {}

  const std::string& path() const { return path_; }
  bool Has(const std::string& key) const;
  // Errors when this node is not a table or holds a key outside `allowed`.
  void AllowOnly(std::initializer_list<std::string_view> allowed) const;

  Node Child(const std::string& key) const;             // required
  // This array element (from Array()), labelled by its name instead of its index from here on:
  // venues[1] → venues.okx. Read and check the name through the index-labelled node first.
  Node Named(const std::string& name) const;
  std::vector<Node> Array(const std::string& key) const;  // required array (of anything)
  std::vector<std::pair<std::string, Node>> Entries() const;  // table entries, sorted by key

  std::string String(const std::string& key) const;
  std::string String(const std::string& key, const std::string& dflt) const;
  int64_t Int(const std::string& key, int64_t lo, int64_t hi) const;
  int64_t Int(const std::string& key, int64_t lo, int64_t hi, int64_t dflt) const;
  bool Bool(const std::string& key, bool dflt) const;
  double Double(const std::string& key, double lo, double hi, double dflt) const;  // stats only
  std::vector<std::string> Strings(const std::string& key) const;

  // Decimal fields are written as strings ("0.001") so no float ever touches money.
  template <typename T>
  T Decimal(const std::string& key, Sign sign = Sign::kNonNegative) const {
    return ToDecimal<T>(String(key), Key(key), sign);
  }
  template <typename T>
  T Decimal(const std::string& key, T dflt, Sign sign = Sign::kNonNegative) const {
    return Has(key) ? Decimal<T>(key, sign) : dflt;
  }
  // A dimensionless fraction ("0.001" = 0.1%) in [lo, hi); outside is an error naming the bounds:
  //   strategy.min_edge: "5" is outside [0, 0.1) (a fraction: 0.001 = 0.1%)
  // A negative value is refused by the bounds when lo >= 0, not by the decimal parser.
  Rate Fraction(const std::string& key, Rate lo, Rate hi) const;
  Rate Fraction(const std::string& key, Rate lo, Rate hi, Rate dflt) const;

  bool IsString() const;
  bool IsTable() const;
  std::string AsString() const;

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const;
  [[noreturn]] void FailSelf(const std::string& what) const;
  std::string Key(const std::string& key) const {
    return path_.empty() ? KeyText(key) : path_ + "." + KeyText(key);
  }

  template <typename T>
  T ToDecimal(const std::string& text, const std::string& full_key, Sign sign) const {
    const ParseResult<T> r = ParseDecimal<T>(text, sign);
    if (!r.ok()) {
      throw ConfigError(origin_ + ": " + full_key + ": \"" + text + "\" is not a valid decimal (" +
                        DecimalErrorText(r.error) + ")");
    }
    return r.value;
  }

 private:
  const toml::value& Get(const std::string& key) const;
  const toml::value* v_;
  std::string path_;
  std::string origin_;
  std::string array_path_;  // for an element of an array: the array's path ("venues")
};

// Parses TOML text; syntax errors become ConfigError naming the file, line and column.
toml::value ParseToml(const std::string& text, const std::string& origin);
// Reads a whole file; a missing or unreadable file is a ConfigError naming it.
std::string ReadFile(const std::string& path);

}  // namespace hs::config
