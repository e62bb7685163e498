#include "tools/fanoutctl/text_table.hpp"

#include <algorithm>

namespace fanout::ctl {

std::string text_table::render(const std::string& indent) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows_) {
        std::string line = indent;
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i > 0) line += "  ";
            const std::string padding(widths[i] - row[i].size(), ' ');
            const bool right = i < right_aligned_.size() && right_aligned_[i];
            line += right ? padding + row[i] : row[i] + padding;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

}  // namespace fanout::ctl
