// get --watch / --watch-only / --output-watch-events: the list first (unless --watch-only),
// then a watch from the list's resourceVersion, each event printed as it arrives. Ends when
// the server closes the watch (--request-timeout asks it to), or on SIGINT/SIGTERM (exit 1,
// as kubectl).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/printers.h"
#include "pkg/kubectl/watch_printer.h"
#include "pkg/kubectl/yaml_printer.h"
#include "pkg/util/duration.h"

namespace sampan::kubectl {
namespace {

using api::Json;

constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

volatile std::sig_atomic_t g_interrupted = 0;
void OnSignal(int) { g_interrupted = 1; }

// Prints objects and events in the chosen format, remembering what it printed before.
class EventPrinter {
 public:
  EventPrinter(const Target& t, const Options& o, std::ostream& out)
      : resource_(t.resource),
        format_(o.Get("output")),
        events_(o.Bool("output-watch-events")),
        out_(out),
        table_(t.resource, TableOptionsOf(o), events_) {}

  bool as_table() const { return !IsObjectFormat(format_); }

  // `body` is a Table (as_table()) or an object.
  Status Print(const std::string& type, const Json& body) {
    if (as_table()) {
      table_.Print(body, type, out_);
      return Status::Ok();
    }
    Json obj = body;
    if (!obj.contains("kind")) obj["kind"] = resource_.kind;
    if (!obj.contains("apiVersion")) obj["apiVersion"] = resource_.GroupVersion();
    if (events_ && (format_ == "json" || format_ == "yaml")) {
      Json event = {{"type", type}, {"object", obj}};
      if (format_ == "json") {
        out_ << api::Dump(event) << "\n";
      } else {
        out_ << (printed_++ ? "---\n" : "") << ToYaml(event);
      }
      out_.flush();
      return Status::Ok();
    }
    if (format_ == "yaml" && printed_++) out_ << "---\n";
    Status st = PrintObjects(format_, {obj}, {resource_}, true, out_);
    out_.flush();
    return st;
  }

 private:
  static TableOptions TableOptionsOf(const Options& o) {
    TableOptions t;
    t.wide = o.Get("output") == "wide";
    t.all_namespaces = o.Bool("all-namespaces");
    t.show_labels = o.Bool("show-labels");
    t.no_headers = o.Bool("no-headers");
    return t;
  }

  api::ResourceInfo resource_;
  std::string format_;
  bool events_;
  std::ostream& out_;
  WatchTablePrinter table_;
  int printed_ = 0;
};

}  // namespace

int RunGetWatch(Session& s, const Options& o, const Target& t, Io io) {
  std::string ns = o.Bool("all-namespaces") ? "" : s.ns();
  EventPrinter printer(t, o, io.out);
  std::string accept = printer.as_table() ? kTableAccept : "application/json";
  std::string fields = o.Get("field-selector");
  if (!t.names.empty()) {
    if (t.names.size() > 1) {
      io.err << "error: watch is only supported on individual resources and resource "
                "collections - more than 1 resource was found\n";
      return 1;
    }
    // A missing object is kubectl's NotFound.
    Result<Json> one = s.ApiCall("GET", ObjectPath(t.resource, ns, t.names[0]));
    if (!one.ok()) {
      io.err << one.status().message() << "\n";
      return 1;
    }
    fields = "metadata.name=" + t.names[0] + (fields.empty() ? "" : "," + fields);
  }
  std::chrono::seconds timeout{0};
  if (o.Has("request-timeout") && o.Get("request-timeout") != "0") {
    std::string text = o.Get("request-timeout");
    if (text.find_first_not_of("0123456789") == std::string::npos) text += "s";
    Result<std::chrono::nanoseconds> d = ParseDuration(text);
    if (!d.ok()) {
      io.err << "error: invalid timeout value. Timeout must be a single integer in seconds, or "
                "an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)\n";
      return 1;
    }
    timeout = std::chrono::duration_cast<std::chrono::seconds>(*d);
    if (timeout.count() == 0) timeout = std::chrono::seconds(1);
  }
  std::string base = ObjectPath(t.resource, ns, "");
  Query list_query;
  list_query.Add("labelSelector", o.Get("selector")).Add("fieldSelector", fields);
  Result<Json> list = s.ApiCall("GET", base + list_query.str(), "", "", accept);
  if (!list.ok()) {
    io.err << list.status().message() << "\n";
    return 1;
  }
  if (!o.Bool("watch-only")) {
    if (printer.as_table()) {
      if (Status st = printer.Print("ADDED", *list); !st.ok()) {
        io.err << "error: " << st.message() << "\n";
        return 1;
      }
    } else {
      for (const Json& item : list->value("items", Json::array())) {
        if (Status st = printer.Print("ADDED", item); !st.ok()) {
          io.err << "error: " << st.message() << "\n";
          return 1;
        }
      }
    }
  }
  std::string rv = api::GetString(api::ObjectField(*list, "metadata"), "resourceVersion");
  Query watch_query;
  watch_query.Add("labelSelector", o.Get("selector"))
      .Add("fieldSelector", fields)
      .Add("resourceVersion", rv)
      .Add("watch", "true")
      .Add("timeoutSeconds", timeout.count() > 0 ? std::to_string(timeout.count()) : "");
  client::Request req{"GET", base + watch_query.str(), {}, ""};
  req.headers.Add("Accept", accept);

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> pending;
  bool ended = false;
  Status result;
  JsonStreamSplitter splitter;
  client::StreamCallbacks callbacks;
  callbacks.on_chunk = [&](std::string_view chunk) {
    std::lock_guard<std::mutex> lock(mu);
    splitter.Feed(chunk);
    std::string event;
    while (splitter.Next(&event)) pending.push_back(std::move(event));
    cv.notify_all();
  };
  callbacks.on_end = [&](Status st) {
    std::lock_guard<std::mutex> lock(mu);
    result = std::move(st);
    ended = true;
    cv.notify_all();
  };
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  struct sigaction old_int {
  }, old_term{};
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  Result<std::unique_ptr<client::StreamHandle>> stream = s.transport().Stream(req, callbacks);
  if (!stream.ok()) {
    io.err << ServerError(0, stream.status().message()) << "\n";
    return 1;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(2);
  int rc = 0;
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return ended || !pending.empty(); });
    while (!pending.empty()) {
      std::string text = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      Result<Json> event = api::ParseJson(text);
      if (event.ok()) {
        std::string type = api::GetString(*event, "type");
        const Json& object = api::ObjectField(*event, "object");
        if (type == "ERROR") {
          io.err << "error: " << api::GetString(object, "message") << "\n";
          rc = 1;
        } else if (type != "BOOKMARK") {
          Status st = printer.Print(type, object);
          if (!st.ok()) io.err << "error: " << st.message() << "\n";
        }
      }
      lock.lock();
    }
    if (ended) break;
    if (g_interrupted) {
      rc = 1;
      break;
    }
    if (timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) break;
  }
  bool failed = ended && !result.ok();
  std::string failure = result.message();
  lock.unlock();
  (*stream)->Cancel();
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (failed && !g_interrupted) {
    io.err << ServerError(0, failure) << "\n";
    return 1;
  }
  return rc;
}

}  // namespace sampan::kubectl
