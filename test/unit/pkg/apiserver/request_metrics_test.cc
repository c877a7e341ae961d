#include "pkg/apiserver/request_metrics.h"

#include <gtest/gtest.h>

#include "pkg/util/http_backpressure.h"

namespace sampan::apiserver {
namespace {

class NullWriter final : public http::ResponseWriter, public http::OutputBackpressure {
 public:
  void Send(int, http::Headers, std::string) override {}
  void StartStream(int, http::Headers) override {}
  void Write(std::string) override {}
  void End() override {}
  bool Closed() const override { return false; }
  void OnClose(std::function<void()>) override {}
  void WaitForRoom(size_t) override { ++waits; }
  int waits = 0;
};

RequestLabels Labels(const std::string& method, const std::string& target,
                     const std::string& content_type = "", bool known = true) {
  http::Request req;
  req.method = method;
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  req.query = q == std::string::npos ? "" : target.substr(q + 1);
  if (!content_type.empty()) req.headers.Add("Content-Type", content_type);
  Query query(req.query);
  return LabelsOf(req, ParseRequestInfo(req.method, req.path, query), query, known);
}

std::string Text(const std::shared_ptr<RequestMetrics>& m) {
  std::string out;
  m->AppendText(out);
  return out;
}

TEST(RequestMetricsTest, LabelsAreUpstreams) {
  RequestLabels l = Labels("GET", "/api/v1/namespaces/default/pods");
  EXPECT_EQ(l.verb, "LIST");
  EXPECT_EQ(l.scope, "namespace");
  EXPECT_EQ(l.resource, "pods");
  EXPECT_EQ(l.version, "v1");
  EXPECT_FALSE(l.long_running);
  EXPECT_FALSE(l.mutating);

  EXPECT_EQ(Labels("GET", "/api/v1/namespaces/default/pods/p").verb, "GET");
  EXPECT_EQ(Labels("GET", "/api/v1/namespaces/default/pods/p").scope, "resource");
  EXPECT_EQ(Labels("GET", "/apis/apps/v1/deployments").scope, "cluster");
  EXPECT_EQ(Labels("GET", "/apis/apps/v1/deployments").group, "apps");
  RequestLabels create = Labels("POST", "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(create.verb, "POST");
  EXPECT_EQ(create.scope, "resource");  // upstream's scope of a create
  EXPECT_TRUE(create.mutating);
  EXPECT_EQ(
      Labels("PATCH", "/api/v1/namespaces/d/configmaps/c", "application/apply-patch+yaml").verb,
      "APPLY");
  EXPECT_EQ(
      Labels("PATCH", "/api/v1/namespaces/d/configmaps/c", "application/merge-patch+json").verb,
      "PATCH");
  EXPECT_EQ(Labels("DELETE", "/api/v1/namespaces/d/configmaps").scope, "namespace");

  RequestLabels watch = Labels("GET", "/api/v1/pods?watch=1");
  EXPECT_EQ(watch.verb, "WATCH");
  EXPECT_TRUE(watch.long_running);
  RequestLabels exec = Labels("POST", "/api/v1/namespaces/d/pods/p/exec");
  EXPECT_EQ(exec.verb, "CONNECT");
  EXPECT_EQ(exec.subresource, "exec");
  EXPECT_TRUE(exec.long_running);

  RequestLabels health = Labels("GET", "/healthz");
  EXPECT_EQ(health.verb, "GET");
  EXPECT_EQ(health.scope, "");
  EXPECT_EQ(health.subresource, "/healthz");

  EXPECT_EQ(Labels("POST", "/api/v1/namespaces/d/configmaps?dryRun=All").dry_run, "All");
  EXPECT_EQ(Labels("POST", "/api/v1/namespaces/d/configmaps?dryRun=x").dry_run, "invalid");
  RequestLabels unknown = Labels("GET", "/apis/made.up/v9/things", "", /*known=*/false);
  EXPECT_EQ(unknown.group, "");
  EXPECT_EQ(unknown.resource, "");
  EXPECT_EQ(unknown.scope, "cluster");
}

TEST(RequestMetricsTest, CountsAnswersAndStreamsWhenTheyEnd) {
  auto metrics = std::make_shared<RequestMetrics>();
  auto inner = std::make_shared<NullWriter>();
  auto get = metrics->Measure(Labels("GET", "/api/v1/namespaces/d/pods/p"), inner);
  EXPECT_NE(
      Text(metrics).find("apiserver_current_inflight_requests{request_kind=\"readOnly\"} 1\n"),
      std::string::npos);
  get->Send(404, {}, "");
  std::string text = Text(metrics);
  EXPECT_NE(text.find("apiserver_current_inflight_requests{request_kind=\"readOnly\"} 0\n"),
            std::string::npos);
  const std::string series =
      "component=\"apiserver\",dry_run=\"\",group=\"\",resource=\"pods\",scope=\"resource\","
      "subresource=\"\",verb=\"GET\",version=\"v1\"";
  EXPECT_NE(text.find("apiserver_request_total{code=\"404\"," + series + "} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("apiserver_request_duration_seconds_bucket{" + series + ",le=\"60\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("apiserver_request_duration_seconds_bucket{" + series + ",le=\"+Inf\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("apiserver_request_duration_seconds_count{" + series + "} 1\n"),
            std::string::npos);
  get.reset();  // finished already: not counted twice
  EXPECT_NE(Text(metrics).find("apiserver_request_total{code=\"404\"," + series + "} 1\n"),
            std::string::npos);

  auto watch = metrics->Measure(Labels("GET", "/api/v1/pods?watch=1"), inner);
  watch->StartStream(200, {});
  const std::string watch_series =
      "component=\"apiserver\",group=\"\",resource=\"pods\",scope=\"cluster\",subresource=\"\","
      "verb=\"WATCH\",version=\"v1\"";
  EXPECT_NE(Text(metrics).find("apiserver_longrunning_requests{" + watch_series + "} 1\n"),
            std::string::npos)
      << Text(metrics);
  watch->End();
  text = Text(metrics);
  EXPECT_EQ(text.find("apiserver_longrunning_requests{"), std::string::npos) << text;
  EXPECT_NE(text.find("apiserver_request_total{code=\"200\",component=\"apiserver\",dry_run=\"\","
                      "group=\"\",resource=\"pods\",scope=\"cluster\",subresource=\"\","
                      "verb=\"WATCH\",version=\"v1\"} 1\n"),
            std::string::npos)
      << text;
  // Watches are not in the latency histogram, as upstream.
  EXPECT_EQ(text.find("verb=\"WATCH\",version=\"v1\",le="), std::string::npos);
}

TEST(RequestMetricsTest, UnansweredIs500AndMadeUpPathsShareOneSeries) {
  auto metrics = std::make_shared<RequestMetrics>();
  auto inner = std::make_shared<NullWriter>();
  metrics->Measure(Labels("POST", "/api/v1/namespaces/d/configmaps"), inner).reset();
  std::string text = Text(metrics);
  EXPECT_NE(text.find("apiserver_request_total{code=\"500\""), std::string::npos) << text;
  EXPECT_NE(text.find("apiserver_current_inflight_requests{request_kind=\"mutating\"} 0\n"),
            std::string::npos);

  for (const char* path : {"/no/such/a", "/no/such/b"}) {
    metrics->Measure(Labels("GET", path), inner)->Send(404, {}, "");
  }
  metrics->Measure(Labels("GET", "/version"), inner)->Send(200, {}, "");
  text = Text(metrics);
  EXPECT_EQ(text.find("/no/such"), std::string::npos) << text;
  EXPECT_NE(text.find("apiserver_request_total{code=\"404\",component=\"apiserver\",dry_run=\"\","
                      "group=\"\",resource=\"\",scope=\"\",subresource=\"\",verb=\"GET\","
                      "version=\"\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("subresource=\"/version\",verb=\"GET\",version=\"\"} 1\n"),
            std::string::npos);
}

TEST(RequestMetricsTest, AWriterKeepsItsMetricsAlive) {
  // A stream may end after the server that started it is gone.
  auto metrics = std::make_shared<RequestMetrics>();
  std::weak_ptr<RequestMetrics> weak = metrics;
  auto out =
      metrics->Measure(Labels("GET", "/api/v1/pods?watch=1"), std::make_shared<NullWriter>());
  metrics.reset();
  EXPECT_FALSE(weak.expired());
  out->End();
  out.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(RequestMetricsTest, BackpressureReachesTheServersWriter) {
  auto metrics = std::make_shared<RequestMetrics>();
  auto inner = std::make_shared<NullWriter>();
  auto out = metrics->Measure(Labels("GET", "/api/v1/pods"), inner);
  auto* b = dynamic_cast<http::OutputBackpressure*>(out.get());
  ASSERT_NE(b, nullptr);
  b->WaitForRoom(10);
  EXPECT_EQ(inner->waits, 1);
}

}  // namespace
}  // namespace sampan::apiserver
