#pragma once
// How `kubectl get --watch` lays out what it prints over time: rows go out as they come
// (one flush per event), through a tab writer that remembers each column's widest cell
// across flushes (kubectl's RememberWidths tabwriter: minimum width 6, padding 3), so later
// rows line up with earlier ones when they fit. The header goes out with the first rows.
// Also splits a watch response body into its JSON events.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/kubectl/printers.h"

namespace sampan::kubectl {

class WatchTablePrinter {
 public:
  WatchTablePrinter(api::ResourceInfo resource, TableOptions options, bool event_column)
      : resource_(std::move(resource)), options_(options), event_column_(event_column) {}

  // Prints the rows of `table` (a meta.k8s.io/v1 Table); `event` fills the EVENT column.
  // Tables without column definitions use the last ones seen.
  void Print(const api::Json& table, const std::string& event, std::ostream& out);

 private:
  void Flush(const std::vector<std::vector<std::string>>& lines, std::ostream& out);

  api::ResourceInfo resource_;
  TableOptions options_;
  bool event_column_;
  api::Json columns_ = api::Json::array();
  bool header_printed_ = false;
  std::vector<size_t> widths_;
};

// Cuts a stream of concatenated JSON objects into whole objects.
class JsonStreamSplitter {
 public:
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete object's text, or false when more bytes are needed.
  bool Next(std::string* object);

 private:
  std::string buffer_;
  size_t scanned_ = 0;  // bytes of buffer_ already scanned for the current object
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  size_t start_ = std::string::npos;
};

}  // namespace sampan::kubectl
