#include "pkg/kubectl/watch_printer.h"

#include <algorithm>

namespace sampan::kubectl {

void WatchTablePrinter::Print(const api::Json& table, const std::string& event, std::ostream& out) {
  const api::Json* columns = api::Find(table, "columnDefinitions");
  if (columns != nullptr && columns->is_array() && !columns->empty()) columns_ = *columns;
  api::Json shaped = table;
  shaped["columnDefinitions"] = columns_;
  TableLines lines = TableToLines(resource_, shaped, options_);
  if (lines.rows.empty()) return;
  std::vector<std::vector<std::string>> batch;
  if (!header_printed_ && !options_.no_headers) {
    if (event_column_) lines.header.insert(lines.header.begin(), "EVENT");
    batch.push_back(lines.header);
  }
  header_printed_ = true;
  for (auto& row : lines.rows) {
    // kubectl pads the event type to the longest one's width ("MODIFIED").
    if (event_column_)
      row.insert(row.begin(), event + std::string(event.size() < 8 ? 8 - event.size() : 0, ' '));
    batch.push_back(std::move(row));
  }
  Flush(batch, out);
}

void WatchTablePrinter::Flush(const std::vector<std::vector<std::string>>& lines,
                              std::ostream& out) {
  constexpr size_t kMinWidth = 6, kPadding = 3;
  for (const auto& line : lines) {
    if (line.size() > 1 && widths_.size() < line.size() - 1) widths_.resize(line.size() - 1, 0);
    for (size_t i = 0; i + 1 < line.size(); ++i) {
      widths_[i] = std::max({widths_[i], kMinWidth, line[i].size() + kPadding});
    }
  }
  for (const auto& line : lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text.append(widths_[i] - line[i].size(), ' ');
    }
    out << text << "\n";
  }
  out.flush();
}

bool JsonStreamSplitter::Next(std::string* object) {
  for (; scanned_ < buffer_.size(); ++scanned_) {
    char c = buffer_[scanned_];
    if (start_ == std::string::npos) {
      if (c == '{') {
        start_ = scanned_;
        depth_ = 1;
      }
      continue;
    }
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if ((c == '}' || c == ']') && --depth_ == 0) {
      *object = buffer_.substr(start_, scanned_ + 1 - start_);
      buffer_.erase(0, scanned_ + 1);
      scanned_ = 0;
      start_ = std::string::npos;
      return true;
    }
  }
  return false;
}

}  // namespace sampan::kubectl
