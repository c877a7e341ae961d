#include "pkg/util/prometheus_text.h"

#include <gtest/gtest.h>

namespace sampan::prometheus {
namespace {

TEST(PrometheusTextTest, SamplesAndHeadersInTheTextFormat) {
  std::string out;
  AppendHeader(out, "requests_total", "Requests.", "counter");
  AppendSample(out, "requests_total", {{"code", "200"}, {"path", "a\"b\\c\nd"}}, 3);
  AppendSample(out, "ratio", {}, 0.25);
  AppendHeader(out, "plain", "No stability.", "gauge", "");
  EXPECT_EQ(out,
            "# HELP requests_total [STABLE] Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\",path=\"a\\\"b\\\\c\\nd\"} 3\n"
            "ratio 0.25\n"
            "# HELP plain No stability.\n"
            "# TYPE plain gauge\n");
}

TEST(PrometheusTextTest, ProcessMetricsDescribeThisProcess) {
  std::string out;
  AppendProcessMetrics(out);
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_open_fds ", "process_max_fds ", "process_start_time_seconds ",
                           "process_virtual_memory_bytes "}) {
    size_t at = out.find(std::string("\n") + name);
    ASSERT_NE(at, std::string::npos) << name << " in " << out;
    double value = std::stod(out.substr(at + 1 + std::string(name).size()));
    if (std::string(name) != "process_cpu_seconds_total ") {
      EXPECT_GT(value, 0) << name;
    }
  }
}

}  // namespace
}  // namespace sampan::prometheus
