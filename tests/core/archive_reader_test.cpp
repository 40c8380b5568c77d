#include "irel/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <lzma.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "irel/digest_verifier.hpp"
#include "irel/hash.hpp"

namespace irel {
namespace {

// --- building archives in memory with libarchive's write API ----------------------------------

enum class Filter { None, Gzip, Zstd, Xz, Bzip2 };

const char* FilterName(Filter f) {
  switch (f) {
    case Filter::None: return "tar";
    case Filter::Gzip: return "tgz";
    case Filter::Zstd: return "tzst";
    case Filter::Xz: return "txz";
    case Filter::Bzip2: return "tbz2";
  }
  return "?";
}

struct Item {
  std::string path;
  char type = 'f';          // f file, d dir, l symlink, h hardlink, p fifo
  std::string data;         // file content, or the link target
  std::uint64_t zeros = 0;  // for files: this many zero bytes instead of data (streamed)
};

la_ssize_t Append(archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

std::string MakeArchive(const std::vector<Item>& items, Filter filter) {
  std::string out;
  archive* a = archive_write_new();
  switch (filter) {
    case Filter::None: break;
    case Filter::Gzip: archive_write_add_filter_gzip(a); break;
    case Filter::Zstd: archive_write_add_filter_zstd(a); break;
    case Filter::Xz: archive_write_add_filter_xz(a); break;
    case Filter::Bzip2: archive_write_add_filter_bzip2(a); break;
  }
  archive_write_set_format_pax_restricted(a);
  if (filter == Filter::Gzip) archive_write_set_filter_option(a, "gzip", "compression-level", "1");
  // No zero padding after a compressed stream (as GNU tar writes it): libarchive 3.6.2's zstd
  // reader fails on zeros after the last frame.
  if (filter != Filter::None) archive_write_set_bytes_in_last_block(a, 1);
  EXPECT_EQ(archive_write_open(a, &out, nullptr, Append, nullptr), ARCHIVE_OK) << archive_error_string(a);
  const std::string zeros(1 << 20, '\0');
  for (const auto& it : items) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, it.path.c_str());
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (it.type) {
      case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
      case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, it.data.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, it.data.c_str());
        break;
      case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(it.zeros != 0 ? it.zeros : it.data.size()));
    }
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << it.path << ": " << archive_error_string(a);
    if (it.type == 'f') {
      if (it.zeros != 0) {
        for (std::uint64_t left = it.zeros; left > 0;) {
          const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, zeros.size()));
          archive_write_data(a, zeros.data(), n);
          left -= n;
        }
      } else {
        archive_write_data(a, it.data.data(), it.data.size());
      }
    }
    archive_entry_free(e);
  }
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// A pull callback over bytes in memory, handing out at most `chunk` bytes per call.
struct MemorySource {
  std::string data;
  std::size_t chunk;
  std::size_t offset = 0;
  std::size_t calls = 0;
  std::size_t max_cap = 0;
};

ArchivePullFn Pull(std::shared_ptr<MemorySource> src) {
  return [src](std::uint8_t* buf, std::size_t cap) -> std::int64_t {
    ++src->calls;
    src->max_cap = std::max(src->max_cap, cap);
    const std::size_t n = std::min({cap, src->chunk, src->data.size() - src->offset});
    std::memcpy(buf, src->data.data() + src->offset, n);
    src->offset += n;
    return static_cast<std::int64_t>(n);
  };
}

ArchiveReader ReaderOver(std::string bytes, std::size_t chunk = 1 << 20, ArchiveOptions options = {}) {
  return ArchiveReader(Pull(std::make_shared<MemorySource>(MemorySource{std::move(bytes), chunk})), options);
}

struct ReadBack {
  std::vector<ArchiveEntry> entries;
  std::vector<std::string> data;
  std::optional<Error> error;
};

// Reads every entry and all its data with reads of at most `cap` bytes, stopping at an error.
ReadBack ReadEverything(ArchiveReader& r, std::size_t cap = 65536) {
  ReadBack out;
  std::vector<std::uint8_t> buf(cap);
  for (;;) {
    auto next = r.Next();
    if (!next) {
      out.error = next.error();
      return out;
    }
    if (!next.value()) return out;
    out.entries.push_back(*next.value());
    std::string data;
    for (;;) {
      auto n = r.Read(buf.data(), buf.size());
      if (!n) {
        out.error = n.error();
        return out;
      }
      if (*n == 0) break;
      EXPECT_LE(*n, cap);
      data.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    out.data.push_back(std::move(data));
  }
}

// A small thick bundle: bundle.json, an OCI layout with one incompressible blob, odd names.
std::vector<Item> Bundle() {
  return {
      {"./", 'd', ""},
      {"./bundle.json", 'f', R"({"schemaVersion":1,"images":["docker.io/library/busybox:1"]})"},
      {"./artifacts/", 'd', ""},
      {"./artifacts/layout/oci-layout", 'f', R"({"imageLayoutVersion":"1.0.0"})"},
      {"./artifacts/layout/index.json", 'f', R"({"schemaVersion":2,"manifests":[]})"},
      {"./artifacts/layout/blobs/sha256/" + Sha256Hex(RandomBytes(300000, 1)), 'f', RandomBytes(300000, 1)},
      {"artifacts/layout/blobs/sha256/empty", 'f', ""},
      {"artifacts//layout/./odd", 'f', "x"},
  };
}

// --- reading back -----------------------------------------------------------------------------

struct RoundTripCase {
  Filter filter;
  std::size_t pull_chunk;  // bytes the source hands out per call
  std::size_t read_cap;    // bytes asked per Read()
};

class ReadsArchives : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(ReadsArchives, EveryEntryComesBackWithNormalizedPathTypeSizeAndData) {
  const auto& c = GetParam();
  const auto items = Bundle();
  auto src = std::make_shared<MemorySource>(MemorySource{MakeArchive(items, c.filter), c.pull_chunk});
  ArchiveOptions options;
  options.block_size = 65536;
  ArchiveReader r(Pull(src), options);
  const auto got = ReadEverything(r, c.read_cap);
  ASSERT_FALSE(got.error) << got.error->code << ": " << got.error->message;
  const std::vector<std::pair<std::string, ArchiveEntryType>> want = {
      {".", ArchiveEntryType::Directory},
      {"bundle.json", ArchiveEntryType::File},
      {"artifacts", ArchiveEntryType::Directory},
      {"artifacts/layout/oci-layout", ArchiveEntryType::File},
      {"artifacts/layout/index.json", ArchiveEntryType::File},
      {"artifacts/layout/blobs/sha256/" + Sha256Hex(items[5].data), ArchiveEntryType::File},
      {"artifacts/layout/blobs/sha256/empty", ArchiveEntryType::File},
      {"artifacts/layout/odd", ArchiveEntryType::File},
  };
  ASSERT_EQ(got.entries.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got.entries[i].path, want[i].first);
    EXPECT_EQ(got.entries[i].type, want[i].second) << want[i].first;
    EXPECT_EQ(got.entries[i].size, items[i].data.size()) << want[i].first;
    EXPECT_EQ(got.data[i], items[i].type == 'f' ? items[i].data : "") << want[i].first;
  }
  EXPECT_LE(src->max_cap, options.block_size);
  EXPECT_EQ(r.entries(), want.size());
  // The end stays the end.
  auto again = r.Next();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.value().has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Archive, ReadsArchives,
    ::testing::Values(RoundTripCase{Filter::None, 7, 7}, RoundTripCase{Filter::None, 1 << 20, 65536},
                      RoundTripCase{Filter::None, 512, 1 << 20}, RoundTripCase{Filter::Gzip, 7, 7},
                      RoundTripCase{Filter::Gzip, 1 << 20, 65536}, RoundTripCase{Filter::Gzip, 4093, 1 << 20},
                      RoundTripCase{Filter::Zstd, 7, 13}, RoundTripCase{Filter::Zstd, 1 << 20, 65536},
                      RoundTripCase{Filter::Xz, 7, 13}, RoundTripCase{Filter::Xz, 1 << 20, 65536},
                      RoundTripCase{Filter::Xz, 1, 4096}, RoundTripCase{Filter::None, 3, 4096},
                      RoundTripCase{Filter::Bzip2, 1000, 4096}),
    [](const auto& info) {
      return std::string(FilterName(info.param.filter)) + "_pull" + std::to_string(info.param.pull_chunk) + "_read" +
             std::to_string(info.param.read_cap);
    });

TEST(ArchiveReader, SkipAndReadAllPickOutSmallEntriesAmongLargeOnes) {
  const auto items = Bundle();
  auto r = ReaderOver(MakeArchive(items, Filter::Gzip), 4096);
  std::string bundle, index;
  for (;;) {
    auto next = r.Next();
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (!next.value()) break;
    const auto& e = *next.value();
    if (e.path == "bundle.json") {
      auto all = r.ReadAll(4096);
      ASSERT_TRUE(all.ok()) << all.error().message;
      bundle = *all;
    } else if (e.path == "artifacts/layout/index.json") {
      std::uint8_t first[5];
      ASSERT_EQ(*r.Read(first, sizeof first), 5u);  // ReadAll returns what is left
      auto rest = r.ReadAll(4096);
      ASSERT_TRUE(rest.ok());
      index = std::string(reinterpret_cast<char*>(first), 5) + *rest;
    } else {
      auto skipped = r.Skip();
      ASSERT_TRUE(skipped.ok());
      EXPECT_TRUE(*skipped);
    }
  }
  EXPECT_EQ(bundle, items[1].data);
  EXPECT_EQ(index, items[4].data);
}

TEST(ArchiveReader, ReadAllRefusesEntriesOverItsMaxNamingTheEntryWithoutConsumingThem) {
  auto r = ReaderOver(MakeArchive({{"big.json", 'f', std::string(5000, 'a')}}, Filter::None));
  ASSERT_TRUE(r.Next().ok());
  auto all = r.ReadAll(4096);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().code, "ARCHIVE_ENTRY_TOO_LARGE");
  EXPECT_NE(all.error().message.find("\"big.json\""), std::string::npos) << all.error().message;
  std::uint8_t buf[10000];  // nothing was consumed: the data is still there
  EXPECT_EQ(*r.Read(buf, sizeof buf), 5000u);
}

TEST(ArchiveReader, ReadBeforeAnyEntryOrAfterTheEndGivesNothing) {
  auto r = ReaderOver(MakeArchive({{"a", 'f', "abc"}}, Filter::None));
  std::uint8_t buf[8];
  EXPECT_EQ(*r.Read(buf, sizeof buf), 0u);
  EXPECT_FALSE(*r.Skip());
  ASSERT_TRUE(r.Next().ok());
  EXPECT_EQ(*r.Read(buf, sizeof buf), 3u);
  EXPECT_EQ(*r.Read(buf, sizeof buf), 0u);
  EXPECT_EQ(*r.Read(buf, sizeof buf), 0u);
  EXPECT_FALSE(r.Next()->has_value());
  EXPECT_EQ(*r.Read(buf, sizeof buf), 0u);
}

// --- links and unsafe paths -------------------------------------------------------------------

TEST(ArchiveReader, ReportsSymlinksAndHardlinksAsSuchForTheCallerToJudge) {
  auto r = ReaderOver(MakeArchive({{"a", 'f', "data"},
                                   {"./evil", 'l', "../../etc/passwd"},
                                   {"./b", 'h', "./a"},
                                   {"fifo", 'p', ""}},
                                  Filter::Gzip));
  const auto got = ReadEverything(r);
  ASSERT_FALSE(got.error) << got.error->message;
  ASSERT_EQ(got.entries.size(), 4u);
  EXPECT_EQ(got.entries[1].path, "evil");
  EXPECT_EQ(got.entries[1].type, ArchiveEntryType::Symlink);
  EXPECT_EQ(got.entries[1].link_target, "../../etc/passwd");
  EXPECT_FALSE(IsSafePath(got.entries[1].link_target));
  EXPECT_EQ(got.entries[2].path, "b");
  EXPECT_EQ(got.entries[2].type, ArchiveEntryType::Hardlink);
  EXPECT_EQ(got.entries[2].link_target, "a");
  EXPECT_EQ(got.entries[3].type, ArchiveEntryType::Other);
  EXPECT_STREQ(ArchiveEntryTypeName(got.entries[1].type), "symlink");
  EXPECT_STREQ(ArchiveEntryTypeName(got.entries[2].type), "hardlink");
}

struct UnsafeCase {
  const char* label;
  std::string path;
  std::string why;
};

class RejectsUnsafeEntries : public ::testing::TestWithParam<UnsafeCase> {};

TEST_P(RejectsUnsafeEntries, NextFailsNamingTheEntryAndStaysFailed) {
  const auto& c = GetParam();
  auto r = ReaderOver(MakeArchive({{"ok", 'f', "1"}, {c.path, 'f', "2"}, {"after", 'f', "3"}}, Filter::Gzip));
  ASSERT_TRUE(r.Next().ok());
  const auto bad = r.Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "ARCHIVE_ENTRY_UNSAFE");
  EXPECT_NE(bad.error().message.find("\"" + c.path.substr(0, 200)), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find(c.why), std::string::npos) << bad.error().message;
  EXPECT_FALSE(IsSafePath(c.path));
  const auto later = r.Next();  // errors are sticky
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, "ARCHIVE_ENTRY_UNSAFE");
}

INSTANTIATE_TEST_SUITE_P(Archive, RejectsUnsafeEntries,
                         ::testing::Values(UnsafeCase{"parent", "../x", ".."},
                                           UnsafeCase{"absolute", "/etc/passwd", "absolute"},
                                           UnsafeCase{"escapes_midway", "a/../../b", ".."},
                                           UnsafeCase{"parent_at_end", "a/..", ".."},
                                           UnsafeCase{"dot_slash_parent", "./../x", ".."},
                                           UnsafeCase{"overlong", std::string(5000, 'a'), "longer"}),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(IsSafePath, AcceptsRelativePathsWithoutParentComponents) {
  for (const char* p : {"a", "./a", "a/b/c", "a//b", ".", "..a", "a..", "a/.../b"}) EXPECT_TRUE(IsSafePath(p)) << p;
  for (const char* p : {"", "/", "/a", "..", "../a", "a/../b", "a/.."}) EXPECT_FALSE(IsSafePath(p)) << p;
  EXPECT_FALSE(IsSafePath(std::string_view("a\0b", 3)));
}

// --- truncated, damaged and hostile input ------------------------------------------------------

struct CutCase {
  Filter filter;
};

class DetectsTruncation : public ::testing::TestWithParam<CutCase> {};

TEST_P(DetectsTruncation, CutsAnywhereBeforeTheEndGiveTruncatedOrInvalidNeverACrash) {
  const std::string whole = MakeArchive(Bundle(), GetParam().filter);
  // The blob (incompressible) spans most of the archive: cuts at 10%..95% land inside its data.
  std::vector<std::size_t> cuts = {0, 1, 10, 100, 511, 513};
  for (int pct : {10, 25, 50, 75, 90, 95}) cuts.push_back(whole.size() * static_cast<std::size_t>(pct) / 100);
  for (const std::size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(whole.size()));
    auto r = ReaderOver(whole.substr(0, cut), 997);
    const auto got = ReadEverything(r, 4096);
    ASSERT_TRUE(got.error.has_value());
    if (cut >= whole.size() / 10) {
      EXPECT_EQ(got.error->code, "ARCHIVE_TRUNCATED") << got.error->message;
    } else {
      EXPECT_TRUE(got.error->code == "ARCHIVE_TRUNCATED" || got.error->code == "ARCHIVE_INVALID")
          << got.error->code << ": " << got.error->message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Archive, DetectsTruncation,
                         ::testing::Values(CutCase{Filter::None}, CutCase{Filter::Gzip}, CutCase{Filter::Zstd},
                                           CutCase{Filter::Xz}, CutCase{Filter::Bzip2}),
                         [](const auto& info) { return std::string(FilterName(info.param.filter)); });

TEST(ArchiveReader, TarCutAtAnEntryBoundaryIsTruncatedUnlessTheEndMarkerIsOptional) {
  const std::string whole = MakeArchive({{"a", 'f', std::string(512, 'a')}, {"b", 'f', "b"}}, Filter::None);
  const std::string cut = whole.substr(0, 1024);  // header + data of "a", then nothing
  auto strict = ReaderOver(cut);
  auto got = ReadEverything(strict);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, "ARCHIVE_TRUNCATED") << got.error->message;
  EXPECT_EQ(got.entries.size(), 1u);

  ArchiveOptions lax;
  lax.require_end_marker = false;
  auto tolerant = ReaderOver(cut, 1 << 20, lax);
  got = ReadEverything(tolerant);
  EXPECT_FALSE(got.error.has_value());
  EXPECT_EQ(got.entries.size(), 1u);
}

struct GarbageCase {
  const char* label;
  std::string bytes;
};

class RejectsGarbage : public ::testing::TestWithParam<GarbageCase> {};

TEST_P(RejectsGarbage, AsInvalid) {
  auto r = ReaderOver(GetParam().bytes, 7);
  const auto got = ReadEverything(r);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, "ARCHIVE_INVALID") << got.error->message;
  EXPECT_FALSE(got.error->message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Archive, RejectsGarbage,
    ::testing::Values(GarbageCase{"random", RandomBytes(100000, 7)}, GarbageCase{"text", std::string(4096, 'x')},
                      GarbageCase{"ones", std::string(10240, '\xff')},
                      GarbageCase{"zip_magic", "PK\x03\x04" + RandomBytes(4000, 3)},
                      GarbageCase{"gzip_magic_then_garbage", "\x1f\x8b\x08\x00" + RandomBytes(4000, 4)},
                      GarbageCase{"zstd_magic_then_garbage", "\x28\xb5\x2f\xfd" + RandomBytes(4000, 5)},
                      GarbageCase{"xz_magic_then_garbage", std::string("\xfd" "7zXZ\0", 6) + RandomBytes(4000, 6)},
                      GarbageCase{"xz_block_header_damaged",
                                  [] {
                                    std::string x = MakeArchive({{"a", 'f', "abc"}}, Filter::Xz);
                                    x[16] ^= 0x01;  // the dictionary size, under the header's CRC32
                                    return x;
                                  }()},
                      GarbageCase{"tar_header_bad_checksum",
                                  [] {
                                    std::string t = MakeArchive({{"a", 'f', "abc"}}, Filter::None);
                                    t[150] ^= 0x11;  // inside the checksum field
                                    return t;
                                  }()}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(ArchiveReader, AllZeroBlocksAreAnEmptyArchive) {
  auto r = ReaderOver(std::string(10240, '\0'));
  const auto next = r.Next();
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_FALSE(next.value().has_value());
}

TEST(ArchiveReader, SourceErrorsAreIoErrors) {
  const std::string tgz = MakeArchive(Bundle(), Filter::Gzip);
  for (const std::size_t fail_after : {0u, 1u, 5u}) {
    auto calls = std::make_shared<std::size_t>(0);
    auto pos = std::make_shared<std::size_t>(0);
    ArchiveReader r([&tgz, calls, pos, fail_after](std::uint8_t* buf, std::size_t cap) -> std::int64_t {
      if ((*calls)++ == fail_after) return -1;
      const std::size_t n = std::min<std::size_t>({cap, 4096, tgz.size() - *pos});
      std::memcpy(buf, tgz.data() + *pos, n);
      *pos += n;
      return static_cast<std::int64_t>(n);
    });
    const auto got = ReadEverything(r);
    ASSERT_TRUE(got.error.has_value()) << fail_after;
    EXPECT_EQ(got.error->code, "ARCHIVE_IO_ERROR") << got.error->message;
  }
  ArchiveReader liar([](std::uint8_t*, std::size_t cap) { return static_cast<std::int64_t>(cap + 1); });
  const auto next = liar.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, "ARCHIVE_IO_ERROR");
}

// --- limits -------------------------------------------------------------------------------------

const std::string& GzipBomb() {  // 200 MiB of zeros in one entry, about 200 KB gzipped
  static const std::string bomb = MakeArchive({{"artifacts/layout/blobs/sha256/bomb", 'f', "", 200ull << 20}},
                                              Filter::Gzip);
  return bomb;
}

TEST(ArchiveReader, GzipBombEntryOverTheEntryLimitFailsQuicklyNamingIt) {
  const std::string& bomb = GzipBomb();
  EXPECT_LT(bomb.size(), 1u << 20);
  auto src = std::make_shared<MemorySource>(MemorySource{bomb, 65536});
  ArchiveOptions options;
  options.max_entry_bytes = 64ull << 20;
  ArchiveReader r(Pull(src), options);
  const auto start = std::chrono::steady_clock::now();
  const auto next = r.Next();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, "ARCHIVE_ENTRY_TOO_LARGE");
  EXPECT_NE(next.error().message.find("\"artifacts/layout/blobs/sha256/bomb\""), std::string::npos);
  EXPECT_LT(src->offset, 200000u);  // refused from the header, not by inflating it
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

TEST(ArchiveReader, TotalLimitStopsManyEntriesThatAreEachUnderTheEntryLimit) {
  std::vector<Item> items;
  for (int i = 0; i < 5; ++i) items.push_back({"part" + std::to_string(i), 'f', "", 3u << 20});
  ArchiveOptions options;
  options.max_entry_bytes = 4u << 20;
  options.max_total_bytes = 8u << 20;
  auto r = ReaderOver(MakeArchive(items, Filter::Gzip), 65536, options);
  const auto got = ReadEverything(r);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, "ARCHIVE_TOO_LARGE");
  EXPECT_NE(got.error->message.find("\"part2\""), std::string::npos) << got.error->message;
  EXPECT_EQ(got.entries.size(), 2u);
}

TEST(ArchiveReader, EntryCountLimitStopsAtTheFirstEntryOverIt) {
  std::vector<Item> items;
  for (int i = 0; i < 20; ++i) items.push_back({"e" + std::to_string(i), 'f', "x"});
  ArchiveOptions options;
  options.max_entries = 10;
  auto r = ReaderOver(MakeArchive(items, Filter::None), 1 << 20, options);
  const auto got = ReadEverything(r);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, "ARCHIVE_TOO_MANY_ENTRIES");
  EXPECT_NE(got.error->message.find("\"e10\""), std::string::npos) << got.error->message;
  EXPECT_EQ(got.entries.size(), 10u);
}

// --- decoder memory -----------------------------------------------------------------------------

std::string XzEncode(std::string_view data) {
  std::string out(lzma_stream_buffer_bound(data.size()), '\0');
  std::size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const std::uint8_t*>(data.data()),
                                    data.size(), reinterpret_cast<std::uint8_t*>(out.data()), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  return out;
}

// The .xz stream with its first block's LZMA2 dictionary size set to `dict_byte` (size
// (2 | b & 1) << (b / 2 + 11): 28 is 64 MiB, 37 is 1536 MiB), the block header's CRC32 redone.
// A larger dictionary decodes the same data: only the memory the header asks for changes, as
// with `xz --lzma2=dict=1536MiB`.
std::string WithXzDict(std::string xz, std::uint8_t dict_byte) {
  constexpr std::size_t kBlock = 12;  // after the stream header
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(xz.at(i)); };
  const std::size_t header_size = (byte(kBlock) + 1u) * 4u;
  const std::uint8_t flags = byte(kBlock + 1);
  EXPECT_EQ(flags & 3, 0) << "one filter";
  std::size_t at = kBlock + 2;
  for (const std::uint8_t size_flag : {0x40, 0x80}) {  // compressed, uncompressed size: varints
    if (flags & size_flag) {
      while (byte(at) & 0x80) ++at;
      ++at;
    }
  }
  EXPECT_EQ(byte(at), 0x21) << "LZMA2";
  EXPECT_EQ(byte(at + 1), 1) << "one byte of properties";
  xz[at + 2] = static_cast<char>(dict_byte);
  const std::uint32_t crc =
      lzma_crc32(reinterpret_cast<const std::uint8_t*>(xz.data() + kBlock), header_size - 4, 0);
  for (int i = 0; i < 4; ++i) xz[kBlock + header_size - 4 + i] = static_cast<char>(crc >> (8 * i));
  return xz;
}

// The .zstd stream with its frame's window set to 2^window_log bytes (libarchive writes one frame,
// size unknown, so the header has a window descriptor and no checksum).
std::string WithZstdWindow(std::string zst, int window_log) {
  EXPECT_EQ(zst.substr(0, 4), "\x28\xb5\x2f\xfd");
  EXPECT_EQ(static_cast<std::uint8_t>(zst.at(4)) & 0x20, 0) << "not single-segment: a window descriptor follows";
  zst[5] = static_cast<char>((window_log - 10) << 3);
  return zst;
}

struct DecoderMemoryCase {
  const char* label;
  std::function<std::string(std::string, std::string)> make;  // (tar.xz, tar.zst) -> input
  std::uint64_t max_decoder_bytes;
  std::string code;     // "" when it reads
  std::string message;  // what the message says (all of it, but for the second stream's case)
  std::size_t entries_before = 0;
};

class BoundsDecoderMemory : public ::testing::TestWithParam<DecoderMemoryCase> {};

TEST_P(BoundsDecoderMemory, RefusedFromTheHeaderOrReadWhole) {
  const auto& c = GetParam();
  const auto items = Bundle();
  const std::string input = c.make(MakeArchive(items, Filter::Xz), MakeArchive(items, Filter::Zstd));
  auto src = std::make_shared<MemorySource>(MemorySource{input, 65536});
  ArchiveOptions options;
  options.max_decoder_bytes = c.max_decoder_bytes;
  ArchiveReader r(Pull(src), options);
  const auto got = ReadEverything(r);
  if (c.code.empty()) {
    ASSERT_FALSE(got.error) << got.error->code << ": " << got.error->message;
    ASSERT_EQ(got.entries.size(), items.size());
    EXPECT_EQ(got.data[5], items[5].data);
    return;
  }
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, c.code) << got.error->message;
  EXPECT_NE(got.error->message.find(c.message), std::string::npos) << got.error->message;
  EXPECT_EQ(got.entries.size(), c.entries_before);  // refused at the header, before any entry
  const auto again = r.Next();  // sticky
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, c.code);
}

constexpr std::uint64_t kMiB = 1 << 20;
const std::string kZstdWindowMessage =
    "archive: the zstd stream's window is over 128 MiB, libzstd's limit for decoding (zstd --long=28 and up make "
    "such windows): recompress it with --long=27 or less";

INSTANTIATE_TEST_SUITE_P(
    Archive, BoundsDecoderMemory,
    ::testing::Values(
        DecoderMemoryCase{"xz_dict_1536MiB", [](std::string xz, std::string) { return WithXzDict(xz, 37); },
                          128 * kMiB, "ARCHIVE_MEMORY_LIMIT",
                          "archive: the xz stream needs 1537 MiB to decode (its dictionary), over the limit of 128 "
                          "MiB (maxDecoderBytes)"},
        DecoderMemoryCase{"xz_dict_64MiB_like_xz_9", [](std::string xz, std::string) { return WithXzDict(xz, 28); },
                          128 * kMiB, "", ""},
        DecoderMemoryCase{"xz_dict_64MiB_limit_32MiB", [](std::string xz, std::string) { return WithXzDict(xz, 28); },
                          32 * kMiB, "ARCHIVE_MEMORY_LIMIT",
                          "archive: the xz stream needs 65 MiB to decode (its dictionary), over the limit of 32 MiB "
                          "(maxDecoderBytes)"},
        DecoderMemoryCase{"xz_limit_in_bytes", [](std::string xz, std::string) { return WithXzDict(xz, 28); },
                          1000000, "ARCHIVE_MEMORY_LIMIT",
                          "archive: the xz stream needs 65 MiB to decode (its dictionary), over the limit of 1000000 "
                          "bytes (maxDecoderBytes)"},
        // Raising the limit is all it takes (the 1.5 GiB dictionary is allocated, barely touched).
        DecoderMemoryCase{"xz_dict_1536MiB_limit_2GiB", [](std::string xz, std::string) { return WithXzDict(xz, 37); },
                          2048 * kMiB, "", ""},
        // Streams after the first are read through, as xz(1) does: each block header is checked.
        DecoderMemoryCase{"xz_second_stream_over_the_limit",
                          [](std::string, std::string) {
                            const std::string tar = MakeArchive(Bundle(), Filter::None);
                            return XzEncode(tar.substr(0, 100000)) + WithXzDict(XzEncode(tar.substr(100000)), 37);
                          },
                          128 * kMiB, "ARCHIVE_MEMORY_LIMIT",
                          "the xz stream needs 1537 MiB to decode (its dictionary), over the limit of 128 MiB", 6},
        DecoderMemoryCase{"zstd_window_128MiB", [](std::string, std::string zst) { return WithZstdWindow(zst, 27); },
                          128 * kMiB, "", ""},
        DecoderMemoryCase{"zstd_window_256MiB", [](std::string, std::string zst) { return WithZstdWindow(zst, 28); },
                          128 * kMiB, "ARCHIVE_MEMORY_LIMIT", kZstdWindowMessage},
        // zstd --long=31; max_decoder_bytes does not move libzstd's limit.
        DecoderMemoryCase{"zstd_window_2GiB", [](std::string, std::string zst) { return WithZstdWindow(zst, 31); },
                          4096 * kMiB, "ARCHIVE_MEMORY_LIMIT", kZstdWindowMessage}),
    [](const auto& info) { return std::string(info.param.label); });

// libarchive's xz filter (no memory limit) is not registered: only the outer .xz layer is decoded,
// by the core, and an xz stream found under another layer is not recognized.
TEST(ArchiveReader, XzNestedUnderAnotherFilterIsNotDecoded) {
  const std::string txz = WithXzDict(MakeArchive(Bundle(), Filter::Xz), 37);
  for (const Filter outer : {Filter::Gzip, Filter::Xz}) {
    std::string wrapped;
    archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    outer == Filter::Gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_xz(a);
    archive_write_set_bytes_in_last_block(a, 1);
    ASSERT_EQ(archive_write_open(a, &wrapped, nullptr, Append, nullptr), ARCHIVE_OK);
    archive_entry* e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    archive_write_data(a, txz.data(), txz.size());
    archive_entry_free(e);
    ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    auto r = ReaderOver(wrapped);
    const auto got = ReadEverything(r);
    ASSERT_TRUE(got.error.has_value()) << FilterName(outer);
    EXPECT_EQ(got.error->code, "ARCHIVE_INVALID") << got.error->message;
  }
}

TEST(ArchiveReader, XzConcatenatedStreamsAndPaddingAreOneTarAndTheCountersAreTheSameAsLibarchives) {
  const auto items = Bundle();
  const std::string tar = MakeArchive(items, Filter::None);
  // Split mid-blob: the second stream starts inside an entry's data; stream padding between.
  const std::string input = XzEncode(tar.substr(0, 100000)) + std::string(8, '\0') + XzEncode(tar.substr(100000));
  auto src = std::make_shared<MemorySource>(MemorySource{input, 4093});
  ArchiveReader r(Pull(src));
  const auto got = ReadEverything(r);
  ASSERT_FALSE(got.error) << got.error->code << ": " << got.error->message;
  ASSERT_EQ(got.entries.size(), items.size());
  EXPECT_EQ(got.data[5], items[5].data);
  EXPECT_EQ(r.compressed_bytes(), input.size());  // every byte pulled, once

  auto plain = ReaderOver(tar);
  ASSERT_FALSE(ReadEverything(plain).error);
  EXPECT_EQ(r.uncompressed_bytes(), plain.uncompressed_bytes());  // position in the tar stream
  EXPECT_GT(r.uncompressed_bytes(), 300000u);
}

TEST(ArchiveReader, XzTotalLimitCountsTheTarInside) {
  std::vector<Item> items;
  for (int i = 0; i < 5; ++i) items.push_back({"part" + std::to_string(i), 'f', "", 3u << 20});
  ArchiveOptions options;
  options.max_entry_bytes = 4u << 20;
  options.max_total_bytes = 8u << 20;
  const std::string txz = MakeArchive(items, Filter::Xz);
  EXPECT_LT(txz.size(), 100000u);
  auto r = ReaderOver(txz, 65536, options);
  const auto got = ReadEverything(r);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->code, "ARCHIVE_TOO_LARGE");
  EXPECT_NE(got.error->message.find("\"part2\""), std::string::npos) << got.error->message;
  EXPECT_EQ(got.entries.size(), 2u);
}

TEST(ArchiveReader, XzSourceErrorsAreIoErrors) {
  const std::string txz = MakeArchive(Bundle(), Filter::Xz);
  for (const std::size_t fail_after : {0u, 1u, 3u}) {
    auto calls = std::make_shared<std::size_t>(0);
    auto pos = std::make_shared<std::size_t>(0);
    ArchiveReader r([&txz, calls, pos, fail_after](std::uint8_t* buf, std::size_t cap) -> std::int64_t {
      if ((*calls)++ == fail_after) return -1;
      const std::size_t n = std::min<std::size_t>({cap, 4096, txz.size() - *pos});
      std::memcpy(buf, txz.data() + *pos, n);
      *pos += n;
      return static_cast<std::int64_t>(n);
    });
    const auto got = ReadEverything(r);
    ASSERT_TRUE(got.error.has_value()) << fail_after;
    EXPECT_EQ(got.error->code, "ARCHIVE_IO_ERROR") << got.error->message;
  }
}

// --- digest verification ------------------------------------------------------------------------

struct VerifyCase {
  const char* label;
  std::string digest;
  std::int64_t size;
  std::string code;  // "" when it matches
};

class VerifiesDigests : public ::testing::TestWithParam<VerifyCase> {};

TEST_P(VerifiesDigests, WhileStreamingInOddChunks) {
  const auto& c = GetParam();
  const std::string content = RandomBytes(10007, 9);
  auto v = DigestVerifier::Create(c.digest, c.size);
  if (!v) {
    EXPECT_EQ(v.error().code, c.code);
    return;
  }
  for (std::size_t i = 0; i < content.size(); i += 7) v.value().Update(std::string_view(content).substr(i, 7));
  EXPECT_EQ(v.value().bytes(), content.size());
  const auto done = v.value().Finish("archive entry \"blob\"");
  if (c.code.empty()) {
    ASSERT_TRUE(done.ok()) << done.error().message;
    EXPECT_EQ(*done, c.digest);
  } else {
    ASSERT_FALSE(done.ok());
    EXPECT_EQ(done.error().code, c.code);
    EXPECT_NE(done.error().message.find("\"blob\""), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Digest, VerifiesDigests,
    ::testing::Values(VerifyCase{"match", "sha256:" + Sha256Hex(RandomBytes(10007, 9)), 10007, ""},
                      VerifyCase{"match_size_unknown", "sha256:" + Sha256Hex(RandomBytes(10007, 9)), -1, ""},
                      VerifyCase{"wrong_digest", "sha256:" + Sha256Hex("other"), 10007, "DIGEST_MISMATCH"},
                      VerifyCase{"wrong_size", "sha256:" + Sha256Hex(RandomBytes(10007, 9)), 10000, "SIZE_MISMATCH"},
                      VerifyCase{"malformed", "sha256:abc", 1, "DIGEST_INVALID"},
                      VerifyCase{"unsupported_algorithm", "md5:" + std::string(32, 'a'), 1, "DIGEST_ALGORITHM_UNSUPPORTED"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
