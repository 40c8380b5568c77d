#pragma once
// Where `irel copy SRC DST` reads or writes an image, named as skopeo names it (the transports of
// github.com/containers/image):
//
//   docker://REF                       an image in a registry
//   REF                                the same, when no transport is named (irel's default)
//   oci:PATH[:NAME | :@N]              an OCI image layout directory
//   oci-archive:PATH[:NAME | :@N]      a tar of an OCI image layout
//   docker-archive:PATH[:REF | :@N]    a `docker save` tarball
//
// As in containers/image on Unix, PATH ends at the first ':' after the transport, so a path cannot
// hold a ':'. A prefix that is not a transport name stays part of a registry reference:
// "localhost:5000/x:1" is a registry place. So is "docker:dind" (the Docker Hub image named
// "docker", which skopeo refuses for lacking "//"); "docker://oci:1" names an image called "oci".
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

enum class PlaceTransport { Docker, Oci, OciArchive, DockerArchive };

// "docker", "oci", "oci-archive", "docker-archive".
std::string_view PlaceTransportName(PlaceTransport transport);

struct Place {
  PlaceTransport transport = PlaceTransport::Docker;
  // The layout directory (oci) or the archive file (oci-archive, docker-archive), as given;
  // never empty for those. Empty for docker.
  std::string path;
  // oci, oci-archive: the image's org.opencontainers.image.ref.name in the layout (a plain tag
  // such as "v1", or a full reference); empty when not given (a source's only image; a
  // destination's image unnamed). Always empty for docker and docker-archive.
  std::string name;
  // docker: the image, normalized (Reference::String()); a missing tag stays missing.
  // docker-archive: the image's name in the archive's RepoTags, normalized and always tagged
  // (":latest" added, as containers/image does); empty when not given.
  std::string reference;
  // oci, oci-archive, docker-archive ":@N": the zero-based position of the image in index.json or
  // manifest.json; -1 when not given. Picks a source's image only: a destination given one is the
  // caller's to refuse, as containers/image does.
  int index = -1;

  // The canonical spelling: "docker://" for registry places, ":@N" for an index. Parses back to
  // an equal Place.
  std::string String() const;

  bool operator==(const Place& o) const {
    return transport == o.transport && path == o.path && name == o.name && reference == o.reference &&
           index == o.index;
  }
};

// Error codes:
//   PLACE_UNSUPPORTED  a transport containers/image knows but irel does not copy with (dir:,
//                      containers-storage:, docker-daemon:, ostree:, sif:, tarball:); the message
//                      lists the supported ones.
//   PLACE_INVALID      an unknown "X://" scheme, an empty path, a NAME outside the OCI ref.name
//                      grammar, a bad ":@N", a digest in a docker-archive REF.
//   NAME_*, DIGEST_INVALID  the registry reference of a docker place, or a docker-archive REF, is
//                      invalid (ParseReference's codes, so `irel copy` reports names as before).
Result<Place> ParsePlace(std::string_view text);

}  // namespace irel
