#pragma once
// Prometheus's text exposition format (version 0.0.4), which /metrics endpoints answer and
// every Prometheus scraper reads: a HELP and a TYPE line per metric, then one line per
// sample, `name{label="value",...} number`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sampan::prometheus {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// A label value with backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);

// `# HELP name [STABLE] help` and `# TYPE name type`; `stability` ("STABLE", "ALPHA") as
// Kubernetes components mark their metrics, or empty for none.
void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type, std::string_view stability = "STABLE");

// `name{a="1",b="2"} value`, labels in the order given (Go's client sorts them by name).
void AppendSample(std::string& out, std::string_view name, const Labels& labels, double value);

// The process_* metrics every Go program's /metrics has (CPU seconds, resident and virtual
// memory, open and maximum file descriptors, start time), read from /proc/self.
void AppendProcessMetrics(std::string& out);

}  // namespace sampan::prometheus
