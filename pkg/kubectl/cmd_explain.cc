// explain: fields of a resource from the server's OpenAPI v3 documents.
#include <fmt/format.h>

#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/explain.h"

namespace sampan::kubectl {

int RunExplain(Session& s, const Options& o, Io io) {
  const std::vector<std::string>& args = o.positional();
  if (args.empty()) {
    io.err << "error: You must specify the type of resource to explain. Use \"kubectl "
              "api-resources\" for a complete list of supported resources.\n";
    return 1;
  }
  if (args.size() > 1) {
    io.err << "error: We accept only this format: explain RESOURCE\n";
    return 1;
  }
  std::string output = o.Get("output", "plaintext");
  if (output == "plaintext-openapiv2") {
    io.err << "error: sampan kubectl explain renders OpenAPI v3 only (--output=plaintext)\n";
    return 1;
  }
  if (output != "plaintext") {
    io.err << fmt::format("error: unrecognized format: {}\n", output);
    return 1;
  }
  // RESOURCE[.field[.field...]]: the resource ends at the first dot, as in kubectl.
  std::vector<std::string> parts;
  std::string_view spec = args[0];
  while (true) {
    size_t dot = spec.find('.');
    parts.emplace_back(spec.substr(0, dot));
    if (dot == std::string_view::npos) break;
    spec.remove_prefix(dot + 1);
  }
  Result<const Discovery*> discovery = s.discovery();
  if (!discovery.ok()) {
    io.err << "error: " << discovery.status().message() << "\n";
    return 1;
  }
  Result<api::ResourceInfo> resource = (*discovery)->Resolve(parts[0]);
  if (!resource.ok()) {
    io.err << resource.status().message() << "\n";  // kubectl prints it without "error: "
    return 1;
  }
  ExplainRequest request;
  request.group = resource->group;
  request.version = resource->version;
  request.resource = resource->resource;
  request.field_path.assign(parts.begin() + 1, parts.end());
  request.recursive = o.Bool("recursive");
  if (std::string gv = o.Get("api-version"); !gv.empty()) {
    size_t slash = gv.find('/');
    request.group = slash == std::string::npos ? "" : gv.substr(0, slash);
    request.version = slash == std::string::npos ? gv : gv.substr(slash + 1);
  }
  std::string doc_path = request.group.empty()
                             ? "api/" + request.version
                             : fmt::format("apis/{}/{}", request.group, request.version);
  Result<api::Json> index = s.ApiCall("GET", "/openapi/v3");
  if (!index.ok()) {
    io.err << index.status().message() << "\n";
    return 1;
  }
  const api::Json& paths = index->value("paths", api::Json::object());
  if (!paths.contains(doc_path)) {
    io.err << fmt::format("error: couldn't find resource for \"{}/{}, Resource={}\"\n",
                          request.group.empty() ? "" : request.group, request.version,
                          request.resource);
    return 1;
  }
  std::string url = paths[doc_path].value("serverRelativeURL", "/openapi/v3/" + doc_path);
  Result<api::Json> document = s.ApiCall("GET", url);
  if (!document.ok()) {
    io.err << document.status().message() << "\n";
    return 1;
  }
  ExplainOutput rendered = RenderExplain(*document, request);
  io.out << rendered.text;
  if (rendered.error.empty()) return 0;
  io.err << rendered.error << "\n";
  return 1;
}

}  // namespace sampan::kubectl
