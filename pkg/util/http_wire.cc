#include "pkg/util/http_wire.h"

#include <fmt/core.h>

#include <charconv>
#include <ctime>

namespace sampan::http {
namespace {

// No CR, LF or NUL (a loop: find_first_of would call memchr for every character).
bool SafeHeaderText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
  }
  return "Unknown";
}

std::string StatusJson(int code, std::string_view reason, std::string_view message) {
  std::string out =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)";
  AppendJsonString(message, &out);
  out += R"(,"reason":)";
  AppendJsonString(reason, &out);
  out += fmt::format(R"(,"code":{}}})", code);
  return out;
}

void AppendResponseHead(int status, const Headers& headers, std::string* out) {
  size_t size = 32;
  for (const Header& h : headers.all()) size += h.name.size() + h.value.size() + 4;
  out->reserve(out->size() + size);
  char code[16];
  auto [end, ec] = std::to_chars(code, code + sizeof(code), status);
  *out += "HTTP/1.1 ";
  out->append(code, end);
  *out += ' ';
  *out += ReasonPhrase(status);
  *out += "\r\n";
  for (const Header& h : headers.all()) {
    if (h.name.empty() || !SafeHeaderText(h.name) || !SafeHeaderText(h.value)) continue;
    *out += h.name;
    *out += ": ";
    *out += h.value;
    *out += "\r\n";
  }
  *out += "\r\n";
}

std::string HttpDate() {
  // Formatted once a second per thread: every response carries it.
  thread_local std::time_t formatted_at = -1;
  thread_local std::string formatted;
  std::time_t now = std::time(nullptr);
  if (now != formatted_at) {
    std::tm tm;
    gmtime_r(&now, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    formatted.assign(buf, n);
    formatted_at = now;
  }
  return formatted;
}

bool PercentDecode(std::string_view in, std::string* out) {
  if (in.find('%') == std::string_view::npos) {  // most paths: nothing to decode
    out->assign(in);
    return true;
  }
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace sampan::http
