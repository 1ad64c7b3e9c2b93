// hs::control — a plain-text table for `homeostat ctl ... ` (without --json): a header row and
// rows of cells, each column as wide as its widest cell, two spaces between columns. Numbers
// (cells that start with a digit, or a sign and a digit) are right-aligned so their digits line
// up; text is left-aligned. Cold path.
#pragma once

#include <string>
#include <vector>

namespace hs::control {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  // A row with fewer cells than the header is padded with empty ones; extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }
  // The header, a rule under it, and the rows; every line ends with '\n'. No rows: the header,
  // the rule and `empty_text` on a line of its own.
  std::string Render(const std::string& empty_text = "(none)") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hs::control
