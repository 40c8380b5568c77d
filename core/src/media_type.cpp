#include "irel/media_type.hpp"

#include <string>

namespace irel::media_type {

std::string_view ManifestAccept() {
  static const std::string kAccept = std::string(kOciIndex) + ", " + std::string(kDockerManifestList) +
                                     ", " + std::string(kOciManifest) + ", " +
                                     std::string(kDockerManifest) + ", " +
                                     std::string(kDockerSchema1Signed) + ";q=0.1, " +
                                     std::string(kDockerSchema1) + ";q=0.1";
  return kAccept;
}

bool IsIndex(std::string_view t) { return t == kOciIndex || t == kDockerManifestList; }
bool IsImageManifest(std::string_view t) { return t == kOciManifest || t == kDockerManifest; }
bool IsSchema1(std::string_view t) { return t == kDockerSchema1 || t == kDockerSchema1Signed; }

bool IsNonDistributable(std::string_view t) {
  return t.rfind("application/vnd.oci.image.layer.nondistributable.", 0) == 0 ||
         t == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}

}  // namespace irel::media_type
