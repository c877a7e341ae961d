#include "pkg/kubelet/server/remote_command.h"

#include <fmt/core.h>

#include "pkg/api/json.h"
#include "pkg/api/log_options.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string NegotiateChannelProtocol(std::string_view offered) {
  while (!offered.empty()) {
    size_t comma = offered.find(',');
    std::string_view p = Trim(offered.substr(0, comma));
    if (p == kChannelProtocolV5 || p == kChannelProtocolV4) return std::string(p);
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return "";
}

std::string ChannelFrame(uint8_t channel, std::string_view data) {
  std::string payload;
  payload.reserve(data.size() + 1);
  payload.push_back(static_cast<char>(channel));
  payload.append(data);
  return ws::EncodeFrame(ws::Opcode::kBinary, payload);
}

std::string ExitStatusJson(int exit_code, const std::vector<std::string>& command) {
  api::Json status = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", api::Json::object()}};
  if (exit_code == 0) {
    status["status"] = "Success";
    return api::Dump(status);
  }
  std::string joined;
  for (const std::string& arg : command) joined += (joined.empty() ? "" : " ") + arg;
  status["status"] = "Failure";
  status["message"] = fmt::format(
      "command terminated with non-zero exit code: error executing command [{}], exit code {}",
      joined, exit_code);
  status["reason"] = "NonZeroExitCode";
  status["details"] = {{"causes", api::Json::array({{{"reason", "ExitCode"},
                                                     {"message", std::to_string(exit_code)}}})}};
  return api::Dump(status);
}

std::string FailureStatusJson(std::string_view message) {
  api::Json status = {{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", api::Json::object()},
                      {"status", "Failure"},
                      {"message", std::string(message)}};
  return api::Dump(status);
}

std::optional<TerminalSize> ParseResize(std::string_view json) {
  Result<api::Json> parsed = api::ParseJson(json);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const api::Json* w = api::Find(*parsed, "Width");
  const api::Json* h = api::Find(*parsed, "Height");
  if (w == nullptr || h == nullptr || !w->is_number_unsigned() || !h->is_number_unsigned()) {
    return std::nullopt;
  }
  uint64_t width = w->get<uint64_t>();
  uint64_t height = h->get<uint64_t>();
  if (width > 0xFFFF || height > 0xFFFF) return std::nullopt;
  return TerminalSize{static_cast<uint16_t>(width), static_cast<uint16_t>(height)};
}

namespace {

// The stream flags (and command, container) of an exec or attach query; checks none.
ExecRequest ParseStreamQuery(std::string_view raw_query) {
  ExecRequest r;
  std::string_view rest = raw_query;
  auto flag = [](const std::string& v) { return v.empty() || api::ParseBool(v).value_or(false); };
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = api::UrlDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : api::UrlDecode(pair.substr(eq + 1), true);
    if (key == "command") {
      r.command.push_back(std::move(value));
    } else if (key == "container") {
      r.container = std::move(value);
    } else if (key == "stdin" || key == "input") {
      r.stdin = flag(value);
    } else if (key == "stdout" || key == "output") {
      r.stdout = flag(value);
    } else if (key == "stderr") {
      r.stderr = flag(value);
    } else if (key == "tty") {
      r.tty = flag(value);
    }
  }
  return r;
}

}  // namespace

Result<ExecRequest> ParseExecQuery(std::string_view raw_query) {
  ExecRequest r = ParseStreamQuery(raw_query);
  if (r.command.empty()) return Status::BadRequest("you must specify at least 1 command");
  if (!r.stdin && !r.stdout && !r.stderr) {
    return Status::BadRequest("you must specify at least 1 of stdin, stdout, stderr");
  }
  if (r.tty) r.stderr = false;  // a terminal has one output stream
  return r;
}

Result<ExecRequest> ParseAttachQuery(std::string_view raw_query) {
  ExecRequest r = ParseStreamQuery(raw_query);
  r.command.clear();
  if (!r.stdin && !r.stdout && !r.stderr) {
    return Status::BadRequest("you must specify at least 1 of stdin, stdout, stderr");
  }
  if (r.tty) r.stderr = false;
  return r;
}

}  // namespace sampan::kubelet
