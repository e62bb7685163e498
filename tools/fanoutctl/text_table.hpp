// A minimal aligned text table for fanoutctl's human output.
//
// Contract: pure; columns are as wide as their widest cell, separated by two spaces; the
// columns flagged right-aligned are padded on the left (numbers). No trailing blanks.
#pragma once

#include <string>
#include <vector>

namespace fanout::ctl {

class text_table {
  public:
    explicit text_table(std::vector<bool> right_aligned = {})
        : right_aligned_(std::move(right_aligned)) {}

    void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    bool empty() const { return rows_.empty(); }

    // Every row, each line prefixed with `indent`.
    std::string render(const std::string& indent = "") const;

  private:
    std::vector<bool> right_aligned_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace fanout::ctl
