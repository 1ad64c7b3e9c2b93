#include "core/config/toml_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/base/check.h"

namespace hs::config {
namespace {

const char* TypeName(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    case toml::value_t::empty:
      return "empty";
    default:
      return "a date/time";
  }
}

std::string RateText(Rate r) {
  char buf[kMaxDecimalText];
  const int n = FormatDecimal(r.raw(), Rate::kDecimals, buf);
  return std::string(buf, static_cast<size_t>(n));
}

// Rate's raw count is at 1e-8 and one basis point is 1e-4, so the same raw count written at
// scale 4 is the value in bps: Rate 0.0015 (raw 150000) is "15".
constexpr int kBpsDecimals = Rate::kDecimals - 4;

std::string BpsText(Rate r) {
  char buf[kMaxDecimalText];
  const int n = FormatDecimal(r.raw(), kBpsDecimals, buf);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

std::string KeyText(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (bare) return std::string(key);
  std::string out = "\"";
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string ErrorList::Joined() const {
  std::string out;
  for (const std::string& m : messages_) {
    if (!out.empty()) out += '\n';
    out += m;
  }
  return out;
}

toml::value ParseToml(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  try {
    return toml::parse(in, origin);
  } catch (const std::exception& e) {
    // toml11's message already carries the file name, line and a caret under the column.
    throw ConfigError(std::string("TOML syntax error: ") + e.what());
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError("cannot open config file '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void Node::Fail(const std::string& key, const std::string& what) const {
  throw ConfigError(origin_ + ": " + Key(key) + ": " + what);
}

void Node::FailSelf(const std::string& what) const {
  throw ConfigError(origin_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + what);
}

void Node::Report(const std::string& key, const std::string& what) const {
  if (errors_ == nullptr) Fail(key, what);
  errors_->Add(origin_ + ": " + Key(key) + ": " + what);
}

void Node::ReportSelf(const std::string& what) const {
  if (errors_ == nullptr) FailSelf(what);
  errors_->Add(origin_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + what);
}

bool Node::IsString() const { return v_->is_string(); }
bool Node::IsTable() const { return v_->is_table(); }
std::string Node::AsString() const {
  if (!v_->is_string()) FailSelf(std::string("expected a string, found ") + TypeName(*v_));
  return v_->as_string().str;
}

int64_t Node::AsInt(int64_t lo, int64_t hi) const {
  if (!v_->is_integer()) FailSelf(std::string("expected an integer, found ") + TypeName(*v_));
  const int64_t x = v_->as_integer();
  if (x < lo || x > hi) {
    FailSelf(std::to_string(x) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return x;
}

bool Node::Has(const std::string& key) const { return v_->is_table() && v_->as_table().count(key) != 0; }

void Node::AllowOnly(std::initializer_list<std::string_view> allowed) const {
  AllowOnly(std::vector<std::string_view>(allowed));
}

void Node::AllowOnly(const std::vector<std::string_view>& allowed) const {
  if (!v_->is_table()) FailSelf(std::string("expected a table, found ") + TypeName(*v_));
  for (const auto& [k, _] : v_->as_table()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string list;
      for (auto a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      Report(k, "unknown key (expected one of: " + list + ")");
    }
  }
}

const toml::value& Node::Get(const std::string& key) const {
  if (!v_->is_table()) FailSelf(std::string("expected a table, found ") + TypeName(*v_));
  const auto& t = v_->as_table();
  auto it = t.find(key);
  if (it == t.end()) Fail(key, "missing required key");
  return it->second;
}

Node Node::Child(const std::string& key) const { return Node(&Get(key), Key(key), origin_, errors_); }

Node Node::Named(const std::string& name) const {
  HS_CHECK(!array_path_.empty(), "Node::Named on a node that is not an array element");
  Node n(v_, array_path_ + "." + KeyText(name), origin_, errors_);
  n.array_path_ = array_path_;
  return n;
}

std::vector<Node> Node::Array(const std::string& key) const {
  const toml::value& v = Get(key);
  if (!v.is_array()) Fail(key, std::string("expected an array, found ") + TypeName(v));
  std::vector<Node> out;
  const auto& arr = v.as_array();
  const std::string array_path = Key(key);
  for (size_t i = 0; i < arr.size(); ++i) {
    out.emplace_back(&arr[i], array_path + "[" + std::to_string(i) + "]", origin_, errors_);
    out.back().array_path_ = array_path;
  }
  return out;
}

std::vector<std::pair<std::string, Node>> Node::Entries() const {
  if (!v_->is_table()) FailSelf(std::string("expected a table, found ") + TypeName(*v_));
  std::vector<std::pair<std::string, Node>> out;
  for (const auto& [k, v] : v_->as_table()) out.emplace_back(k, Node(&v, Key(k), origin_, errors_));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::string Node::String(const std::string& key) const {
  const toml::value& v = Get(key);
  if (!v.is_string()) Fail(key, std::string("expected a string, found ") + TypeName(v));
  return v.as_string().str;
}

std::string Node::String(const std::string& key, const std::string& dflt) const {
  return Has(key) ? String(key) : dflt;
}

int64_t Node::Int(const std::string& key, int64_t lo, int64_t hi) const {
  const toml::value& v = Get(key);
  if (!v.is_integer()) Fail(key, std::string("expected an integer, found ") + TypeName(v));
  const int64_t x = v.as_integer();
  if (x < lo || x > hi) {
    Fail(key, std::to_string(x) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return x;
}

int64_t Node::Int(const std::string& key, int64_t lo, int64_t hi, int64_t dflt) const {
  return Has(key) ? Int(key, lo, hi) : dflt;
}

Rate Node::Fraction(const std::string& key, Rate lo, Rate hi) const {
  const std::string text = String(key);
  const Rate r = ToDecimal<Rate>(text, Key(key), Sign::kAllowNegative);
  if (r < lo || r >= hi) {
    Fail(key, "\"" + text + "\" is outside [" + RateText(lo) + ", " + RateText(hi) +
                  ") (a fraction: 0.001 = 0.1%)");
  }
  return r;
}

Rate Node::Fraction(const std::string& key, Rate lo, Rate hi, Rate dflt) const {
  return Has(key) ? Fraction(key, lo, hi) : dflt;
}

Rate Node::FractionClosed(const std::string& key, Rate lo, Rate hi) const {
  const std::string text = String(key);
  const Rate r = ToDecimal<Rate>(text, Key(key), Sign::kAllowNegative);
  if (r < lo || r > hi) {
    Fail(key, "\"" + text + "\" is outside [" + RateText(lo) + ", " + RateText(hi) + "] (a fraction: 0.5 = 50%)");
  }
  return r;
}

Rate Node::Bps(const std::string& key, Rate lo, Rate hi) const {
  const std::string text = String(key);
  int64_t raw = 0;
  const DecimalError e = ParseDecimalRaw(text, kBpsDecimals, Sign::kAllowNegative, &raw);
  if (e != DecimalError::kOk) {
    Fail(key, "\"" + text + "\" is not a valid decimal (" + DecimalErrorText(e) + ")");
  }
  const Rate r = Rate::FromRaw(raw);
  if (r < lo || r >= hi) {
    Fail(key, "\"" + text + "\" is outside [" + BpsText(lo) + ", " + BpsText(hi) + ") (basis points: 15 = 0.15%)");
  }
  return r;
}

Rate Node::Bps(const std::string& key, Rate lo, Rate hi, Rate dflt) const {
  return Has(key) ? Bps(key, lo, hi) : dflt;
}

bool Node::Bool(const std::string& key, bool dflt) const {
  if (!Has(key)) return dflt;
  const toml::value& v = Get(key);
  if (!v.is_boolean()) Fail(key, std::string("expected a boolean, found ") + TypeName(v));
  return v.as_boolean();
}

double Node::Double(const std::string& key, double lo, double hi, double dflt, Bounds bounds) const {
  if (!Has(key)) return dflt;
  const toml::value& v = Get(key);
  double x = 0;
  if (v.is_floating()) {
    x = v.as_floating();
  } else if (v.is_integer()) {
    x = static_cast<double>(v.as_integer());
  } else {
    Fail(key, std::string("expected a number, found ") + TypeName(v));
  }
  std::ostringstream ss;
  if (!std::isfinite(x)) {
    ss << x << " is not a finite number";
    Fail(key, ss.str());
  }
  const bool open_lo = bounds != Bounds::kClosed;
  const bool open_hi = bounds == Bounds::kOpen;
  if (x < lo || x > hi || (open_lo && x == lo) || (open_hi && x == hi)) {
    ss << x << " is outside " << (open_lo ? "(" : "[") << lo << ", " << hi << (open_hi ? ")" : "]");
    Fail(key, ss.str());
  }
  return x;
}

std::vector<std::string> Node::Strings(const std::string& key) const {
  std::vector<std::string> out;
  for (const Node& n : Array(key)) out.push_back(n.AsString());
  return out;
}

std::vector<int64_t> Node::Ints(const std::string& key, int64_t lo, int64_t hi) const {
  std::vector<int64_t> out;
  for (const Node& n : Array(key)) out.push_back(n.AsInt(lo, hi));
  return out;
}

}  // namespace hs::config
