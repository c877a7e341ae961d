// libFuzzer target: the parsers of untrusted registry and archive metadata: manifests,
// indexes, image configs, descriptors, image references, WWW-Authenticate challenges and
// registries.yaml. None may crash or throw.

#include <stddef.h>
#include <stdint.h>

#include <string>

#include "runtime/images/oci.h"
#include "runtime/images/reference.h"
#include "runtime/images/registries_config.h"
#include "runtime/images/registry_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sampan::images;  // NOLINT
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)DetectDocumentType(text);
  auto manifest = ParseManifest(text);
  auto index = ParseIndex(text);
  if (index.ok()) (void)SelectPlatform(*index, Platform::Host());
  (void)ParseImageConfig(text);
  (void)ParseDescriptor(text);
  auto ref = Reference::Parse(text);
  if (ref.ok()) (void)Reference::Parse(ref->str());
  std::string scheme;
  (void)ParseChallenge(text, &scheme);
  auto config = RegistriesConfig::Parse(text);
  if (config.ok()) (void)config->EndpointsFor("docker.io", "library/busybox");
  (void)ParseEndpointUrl(text);
  return 0;
}
