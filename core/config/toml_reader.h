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
//
// Reporting every error at once: a Node built with an ErrorList passes it to every node read
// from it. Fail() still throws (a value that cannot be read cannot be returned); Report() records
// and returns, for checks after which reading can go on (an unknown key, a sum that is off).
// ErrorList::Collect() runs one read and records what it throws, so a loader reads field after
// field and section after section, and reports the whole list at its end.
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

// Error messages gathered while reading, each a whole "origin: path: what" line.
class ErrorList {
 public:
  void Add(std::string message) { messages_.push_back(std::move(message)); }
  // Runs `read` and records the ConfigError it may throw. True when it added no error, thrown
  // or reported: what it read can be relied on by later checks.
  template <typename F>
  bool Collect(F&& read) {
    const size_t before = messages_.size();
    try {
      read();
    } catch (const ConfigError& e) {
      Add(e.what());
    }
    return messages_.size() == before;
  }
  bool empty() const { return messages_.empty(); }
  size_t size() const { return messages_.size(); }
  const std::vector<std::string>& messages() const { return messages_; }
  // The messages in the order found, one per line.
  std::string Joined() const;

 private:
  std::vector<std::string> messages_;
};

// A key as TOML writes it: bare (okx, taker_fee) when it is made of A-Z a-z 0-9 _ -, else quoted
// with escapes ("BTC/USDT").
std::string KeyText(std::string_view key);

// Which ends of a [lo, hi] range of Node::Double belong to it.
enum class Bounds : uint8_t {
  kClosed,      // [lo, hi]
  kOpen,        // (lo, hi)
  kOpenClosed,  // (lo, hi]
};

class Node {
 public:
  // `errors`: where Report() records; null = Report() throws like Fail().
  Node(const toml::value* v, std::string path, std::string origin, ErrorList* errors = nullptr)
      : v_(v), path_(std::move(path)), origin_(std::move(origin)), errors_(errors) {}

  const std::string& path() const { return path_; }
  bool Has(const std::string& key) const;
  // Errors when this node is not a table; reports every key outside `allowed`.
  void AllowOnly(std::initializer_list<std::string_view> allowed) const;
  void AllowOnly(const std::vector<std::string_view>& allowed) const;

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
  // Statistics only (never money): a TOML float or integer, finite, within the bounds:
  //   allocation.vol_target.lambda: 1 is outside (0, 1)
  double Double(const std::string& key, double lo, double hi, double dflt, Bounds bounds = Bounds::kClosed) const;
  std::vector<std::string> Strings(const std::string& key) const;
  // A required array of integers, each in [lo, hi]; an element out of range is named by index:
  //   admin.operators[1]: -1 is out of range [0, 4294967294]
  std::vector<int64_t> Ints(const std::string& key, int64_t lo, int64_t hi) const;

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
  // A fraction in the closed range [lo, hi] (a weight or share, 1 included):
  //   allocation.targets.BTC.weight: "1.5" is outside [0, 1] (a fraction: 0.5 = 50%)
  Rate FractionClosed(const std::string& key, Rate lo, Rate hi) const;
  // Basis points written as a decimal string ("15", "0.5"), read exactly as the fraction they
  // stand for (15 bps = Rate 0.0015), in [lo, hi), bounds written in bps in the error:
  //   allocation.max_cost_bps: "1000" is outside [0, 1000) (basis points: 15 = 0.15%)
  // More than 4 decimals (finer than Rate's 1e-8) is an error of the decimal parser.
  Rate Bps(const std::string& key, Rate lo, Rate hi) const;
  Rate Bps(const std::string& key, Rate lo, Rate hi, Rate dflt) const;

  bool IsString() const;
  bool IsTable() const;
  std::string AsString() const;
  int64_t AsInt(int64_t lo, int64_t hi) const;  // this node as an integer in [lo, hi]

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const;
  [[noreturn]] void FailSelf(const std::string& what) const;
  // Records the error in this node's ErrorList and returns; throws when it has none.
  void Report(const std::string& key, const std::string& what) const;
  void ReportSelf(const std::string& what) const;
  ErrorList* errors() const { return errors_; }
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
  ErrorList* errors_ = nullptr;
  std::string array_path_;  // for an element of an array: the array's path ("venues")
};

// Parses TOML text; syntax errors become ConfigError naming the file, line and column.
toml::value ParseToml(const std::string& text, const std::string& origin);
// Reads a whole file; a missing or unreadable file is a ConfigError naming it.
std::string ReadFile(const std::string& path);

}  // namespace hs::config
