#pragma once
// Column alignment as kubectl's describe output gets it from Go's text/tabwriter (minimum
// width 0, padding 2, padded with spaces, no flags): text is cut into cells at tabs; the
// last cell of a line is not aligned; a column is aligned over each run of consecutive
// lines that have a cell in it, each cell padded to the run's widest cell plus 2. Widths
// count UTF-8 characters. A plain value: collect text with Write(), then Flush() once.

#include <string>
#include <string_view>

namespace sampan::kubectl {

class TabWriter {
 public:
  void Write(std::string_view text) { text_.append(text); }
  // The aligned text of everything written.
  std::string Flush() const;
  // Everything written, tabs left as they are.
  const std::string& raw() const { return text_; }

 private:
  std::string text_;
};

// Aligns `text` at once (TabWriter in one call).
std::string AlignTabs(std::string_view text);

// kubectl's PrefixWriter: each Write(level, text) is prefixed with two spaces per level.
class PrefixWriter {
 public:
  explicit PrefixWriter(TabWriter& out) : out_(out) {}
  void Write(int level, std::string_view text);

 private:
  TabWriter& out_;
};

}  // namespace sampan::kubectl
