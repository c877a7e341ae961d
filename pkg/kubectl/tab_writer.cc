#include "pkg/kubectl/tab_writer.h"

#include <vector>

namespace sampan::kubectl {
namespace {

struct Cell {
  std::string text;
  size_t width = 0;
};
using Line = std::vector<Cell>;

size_t Utf8Width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class Formatter {
 public:
  explicit Formatter(const std::vector<Line>& lines) : lines_(lines) {}

  std::string Run() {
    Format(0, lines_.size());
    return out_;
  }

 private:
  // Lines [line0, line1) have every column left of widths_.size() set; find the blocks of
  // the next column and recurse into each.
  void Format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t cur = line0; cur < line1; ++cur) {
      if (column + 1 >= lines_[cur].size()) continue;
      WriteLines(line0, cur);
      line0 = cur;
      size_t width = 0;
      for (; cur < line1; ++cur) {
        if (column + 1 >= lines_[cur].size()) break;
        width = std::max(width, lines_[cur][column].width + 2);
      }
      widths_.push_back(width);
      Format(line0, cur);
      widths_.pop_back();
      line0 = cur;
      if (cur == line1) break;
    }
    WriteLines(line0, line1);
  }

  void WriteLines(size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out_ += line[j].text;
        if (j < widths_.size() && widths_[j] > line[j].width) {
          out_.append(widths_[j] - line[j].width, ' ');
        }
      }
      if (i + 1 < lines_.size() || terminated_last_) out_ += '\n';
    }
  }

 public:
  bool terminated_last_ = true;

 private:
  const std::vector<Line>& lines_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

std::string AlignTabs(std::string_view text) {
  std::vector<Line> lines;
  Line cur;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\t' && text[i] != '\n') continue;
    std::string_view piece = text.substr(start, i - start);
    cur.push_back({std::string(piece), Utf8Width(piece)});
    start = i + 1;
    if (i == text.size() || text[i] == '\n') {
      lines.push_back(std::move(cur));
      cur.clear();
    }
  }
  // Text ending in a newline leaves an empty last line: it is not printed.
  bool terminated = !text.empty() && text.back() == '\n';
  if (terminated || (lines.size() == 1 && lines[0].size() == 1 && lines[0][0].text.empty())) {
    lines.pop_back();
  }
  Formatter f(lines);
  f.terminated_last_ = terminated;
  return f.Run();
}

std::string TabWriter::Flush() const { return AlignTabs(text_); }

void PrefixWriter::Write(int level, std::string_view text) {
  for (int i = 0; i < level; ++i) out_.Write("  ");
  out_.Write(text);
}

}  // namespace sampan::kubectl
