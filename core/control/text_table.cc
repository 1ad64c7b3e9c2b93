#include "core/control/text_table.h"

#include <algorithm>

namespace hs::control {

namespace {

bool LooksNumeric(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

}  // namespace

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(const std::string& empty_text) const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
  for (const auto& r : rows_)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells, bool align_numbers) {
    std::string o;
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string& s = cells[c];
      const std::string pad(width[c] - s.size(), ' ');
      if (c) o += "  ";
      o += align_numbers && LooksNumeric(s) ? pad + s : s + pad;
    }
    while (!o.empty() && o.back() == ' ') o.pop_back();  // no trailing blanks
    return o + "\n";
  };
  std::string o = line(header_, false);
  std::vector<std::string> rule(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) rule[c] = std::string(width[c], '-');
  o += line(rule, false);
  for (const auto& r : rows_) o += line(r, true);
  if (rows_.empty()) o += empty_text + "\n";
  return o;
}

}  // namespace hs::control
