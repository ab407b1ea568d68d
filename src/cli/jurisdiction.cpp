#include "cli/jurisdiction.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/common.hpp"
#include "jurisdiction/attribution.hpp"
#include "jurisdiction/attribution_output.hpp"
#include "jurisdiction/data_service.hpp"
#include "requests/mitigation_drafts.hpp"

namespace liaison::cli {
namespace {

namespace jd = liaison::jurisdiction;
namespace fs = std::filesystem;

std::string DataRoot(const std::string& config_path) {
  if (config_path.empty()) return Config{}.jurisdiction.data_dir;
  auto config = LoadConfigOrReport(config_path);
  return config ? config->jurisdiction.data_dir : std::string();
}

int Update(const JurisdictionCommands& c) {
  std::string root = DataRoot(c.config_path);
  if (root.empty()) return 1;
  std::string source = c.source_dir;
  if (source.empty()) {
    auto newest = jd::NewestDataDirectory(root);
    if (!newest.has_value()) {
      ReportError(newest.error());
      return 1;
    }
    source = *newest;
  }
  SystemClock clock;
  auto stats = jd::UpdateDataSet(root, source, clock.Now());
  if (!stats.has_value()) {
    ReportError(stats.error());
    return 1;
  }
  std::printf("data set %s validated (%lld IPv4 + %lld IPv6 country ranges, %lld IPv4 + %lld "
              "IPv6 AS ranges, %.1f MiB index, loaded in %.2f s)\n",
              stats->version.c_str(), static_cast<long long>(stats->country_rows_v4),
              static_cast<long long>(stats->country_rows_v6),
              static_cast<long long>(stats->as_rows_v4), static_cast<long long>(stats->as_rows_v6),
              stats->memory_bytes / 1048576.0, stats->load_seconds);
  std::printf("manifest %s now names %s; a running server picks it up within its scheduler "
              "interval, or at once on SIGHUP\n",
              (fs::path(root) / jd::kManifestFile).c_str(), stats->directory.c_str());
  return 0;
}

// The data set for attribution: --data, else what the manifest names.
Result<std::shared_ptr<const jd::JurisdictionIndex>> LoadIndex(const JurisdictionCommands& c) {
  SystemClock clock;
  if (!c.data_dir.empty()) return jd::JurisdictionIndex::Load(c.data_dir, clock.Now());
  std::string root = DataRoot(c.config_path);
  if (root.empty()) return Error::InvalidArgument("the configuration could not be read");
  jd::JurisdictionService service(root, clock);
  ASSIGN_OR_RETURN(bool loaded, service.ReloadIfChanged());
  if (!loaded) {
    return Error::NotFound("no IP data set: run `liaison data update` first, or give --data DIR");
  }
  return service.Current();
}

jd::FeedFormat FormatOf(const std::string& path, const std::string& format) {
  if (format == "csv") return jd::FeedFormat::kCsv;
  if (format == "ndjson") return jd::FeedFormat::kNdjson;
  std::string name = path;
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  for (const char* ext : {".ndjson", ".jsonl", ".json"}) {
    std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return jd::FeedFormat::kNdjson;
    }
  }
  return jd::FeedFormat::kCsv;
}

// A progress bar on stderr, redrawn at most every 1/10 s.
class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}
  void Update(std::uint64_t consumed, std::uint64_t total) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - started_).count();
    double mb = consumed / 1e6;
    if (total > 0) {
      int width = 30;
      int filled = static_cast<int>(width * std::min(1.0, static_cast<double>(consumed) / total));
      std::fprintf(stderr, "\r%s [%s%s] %3.0f%% %.0f MB %.0f MB/s ", label_.c_str(),
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   100.0 * consumed / total, mb, seconds > 0 ? mb / seconds : 0.0);
    } else {
      std::fprintf(stderr, "\r%s %.0f MB %.0f MB/s ", label_.c_str(), mb,
                   seconds > 0 ? mb / seconds : 0.0);
    }
  }
  void Finish() {
    if (enabled_) std::fprintf(stderr, "\n");
  }

 private:
  std::string label_;
  bool enabled_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

std::string TopCategories(const jd::GroupSummary& g) {
  std::vector<std::pair<std::int64_t, std::string>> sorted;
  for (const auto& [category, count] : g.categories) {
    sorted.emplace_back(-count, category.empty() ? "-" : category);
  }
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (std::size_t i = 0; i < sorted.size() && i < 3; ++i) {
    if (!out.empty()) out += ", ";
    out += sorted[i].second + " " + std::to_string(-sorted[i].first);
  }
  if (sorted.size() > 3) out += ", …";
  return out;
}

void PrintTable(const jd::AttributionSummary& s) {
  std::printf("%-18s %-14s %12s %10s %6s  %s\n", "state", "countries", "observations",
              "addresses", "ASes", "categories");
  for (const auto& g : s.groups) {
    std::string countries;
    for (const auto& c : g.countries) countries += (countries.empty() ? "" : ",") + c;
    if (countries.size() > 14) countries = countries.substr(0, 13) + "+";
    std::printf("%-18s %-14s %12lld %10lld %6lld  %s\n", g.group.c_str(), countries.c_str(),
                static_cast<long long>(g.observations),
                static_cast<long long>(g.distinct_addresses),
                static_cast<long long>(g.distinct_as_numbers), TopCategories(g).c_str());
  }
  std::printf("%lld observations in %lld lines, %lld malformed; %zu states or groups; IP data "
              "%s\n",
              static_cast<long long>(s.observations), static_cast<long long>(s.lines),
              static_cast<long long>(s.malformed), s.groups.size(), s.data_version.c_str());
}

// What --draft-requests needs, set up before the feeds are read so that a wrong account or a
// missing right stops the command at once.
struct Drafting {
  std::optional<Config> config;
  std::unique_ptr<store::Database> db;
  security::Principal actor;
  requests::MitigationDraftOptions options;
};

std::optional<Drafting> PrepareDrafting(const JurisdictionCommands& c) {
  if (c.config_path.empty() || c.as_account.empty()) {
    ReportError(Error::InvalidArgument("--draft-requests needs --config and --as acc_…", "--as"));
    return std::nullopt;
  }
  Drafting d;
  d.config = LoadConfigOrReport(c.config_path);
  if (!d.config) return std::nullopt;
  d.db = OpenDatabase(*d.config, true);
  if (!d.db) return std::nullopt;
  auto actor = LoadActor(*d.db, c.as_account);
  if (!actor) return std::nullopt;
  d.actor = *actor;
  auto allowed = requests::CheckMayDraftMitigation(d.actor);
  if (!allowed.has_value()) {
    ReportError(allowed.error());
    return std::nullopt;
  }
  auto tlp = requests::ParseTlp(c.tlp);
  auto urgency = requests::ParseUrgency(c.urgency);
  if (!tlp || !urgency) {
    ReportError(Error::InvalidArgument("unknown value", !tlp ? "--tlp" : "--urgency"));
    return std::nullopt;
  }
  d.options.tlp = *tlp;
  d.options.urgency = *urgency;
  d.options.language = c.language;
  d.options.impact = c.impact;
  d.options.max_indicators = c.max_indicators;
  return d;
}

// Hands each group's rows to both the per-state files of --output and the shares attached to the
// drafts. Both are per-group CSV outputs of the same index, so one formatter serves them.
class BothOutputs final : public jd::GroupOutput {
 public:
  BothOutputs(jd::GroupOutput& files, jd::GroupOutput& shares) : files_(files), shares_(shares) {}
  std::unique_ptr<jd::RowFormatter> NewFormatter() const override { return files_.NewFormatter(); }
  Status Write(const std::string& group, std::string_view text) override {
    RETURN_IF_ERROR(files_.Write(group, text));
    return shares_.Write(group, text);
  }

 private:
  jd::GroupOutput& files_;
  jd::GroupOutput& shares_;
};

int DraftRequests(Drafting& d, const jd::AttributionSummary& total,
                  jd::GroupShareCollector& shares) {
  SystemClock clock;
  auto made = requests::DraftMitigationRequests(*d.db, d.actor, total, d.options, clock.Now(),
                                                {&shares, d.config->requests.attachment_max_bytes});
  if (!made.has_value()) {
    ReportError(made.error());
    return 1;
  }
  std::printf("%zu draft mitigation requests (nothing is sent until you submit them):\n",
              made->drafts.size());
  for (const auto& m : made->drafts) {
    std::printf("  %s  %s  %lld of %lld addresses as indicators\n", m.request.id.c_str(),
                m.request.requested_state.c_str(), static_cast<long long>(m.indicators),
                static_cast<long long>(m.distinct_addresses));
    if (m.attachment) {
      std::printf("    attached %s: %lld of %lld rows%s\n",
                  m.attachment->attachment.filename.c_str(),
                  static_cast<long long>(m.attachment->rows),
                  static_cast<long long>(m.attachment->total_rows),
                  m.attachment->truncated() ? " (cut to the attachment size limit)" : "");
    }
  }
  for (const auto& s : made->skipped) {
    std::printf("  no draft for %s: %s\n", s.group.c_str(),
                std::string(requests::DraftSkipName(s.reason)).c_str());
  }
  return 0;
}

int Attribute(const JurisdictionCommands& c) {
  std::optional<Drafting> drafting;
  if (c.draft_requests) {
    drafting = PrepareDrafting(c);
    if (!drafting) return 1;
  }
  auto index = LoadIndex(c);
  if (!index.has_value()) {
    ReportError(index.error());
    return 1;
  }
  std::unique_ptr<jd::GroupCsvWriter> writer;
  if (!c.summary_only) {
    std::error_code ec;
    fs::create_directories(c.output_dir, ec);
    if (ec) {
      ReportError(Error::Unavailable("cannot create " + c.output_dir + ": " + ec.message()));
      return 1;
    }
    writer = std::make_unique<jd::GroupCsvWriter>(c.output_dir, **index);
  }
  // The drafts' attachments: the rows of each state that may get one, gathered as the feeds are
  // read (the first rows that fit, across the files in order).
  std::optional<jd::GroupShareCollector> shares;
  std::optional<BothOutputs> both;
  jd::GroupOutput* output = writer.get();
  if (drafting) {
    const security::Principal& actor = drafting->actor;
    shares.emplace(
        **index, drafting->config->requests.attachment_max_bytes,
        [&actor](const std::string& group) { return requests::MayGetDraft(actor, group); });
    if (writer) {
      both.emplace(*writer, *shares);
      output = &*both;
    } else {
      output = &*shares;
    }
  }
  jd::AttributionSummary total;
  const int threads =
      c.threads > 0 ? c.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool tty = isatty(STDERR_FILENO) != 0;
  for (const auto& file : c.files) {
    auto source = jd::OpenFeedFile(file);
    if (!source.has_value()) {
      ReportError(source.error());
      return 1;
    }
    jd::AttributionOptions options;
    options.format = FormatOf(file, c.format);
    options.address_field = c.column;
    options.category_field = c.category_column;
    options.time_field = c.time_column;
    options.strictness = c.strict ? jd::Strictness::kFailOnFirst : jd::Strictness::kReportAndSkip;
    options.threads = threads;
    ProgressBar bar(fs::path(file).filename().string(), tty);
    auto progress = [&bar](std::uint64_t consumed, std::uint64_t total) {
      bar.Update(consumed, total);
    };
    auto summary = output ? jd::Attribute(**source, **index, options, *output, progress)
                          : jd::Attribute(**source, **index, options, progress);
    bar.Finish();
    if (!summary.has_value()) {
      std::cerr << "liaison: " << file << ": " << summary.error().message << "\n";
      return 1;
    }
    for (const auto& e : summary->errors) {
      std::cerr << file << ":" << e.line << ": " << e.message << "\n";
    }
    if (summary->malformed > static_cast<std::int64_t>(summary->errors.size())) {
      std::cerr << file << ": … and " << summary->malformed - summary->errors.size()
                << " more malformed lines\n";
    }
    jd::MergeSummaries(total, std::move(*summary));
  }
  if (writer) {
    auto closed = writer->Close();
    if (!closed.has_value()) {
      ReportError(closed.error());
      return 1;
    }
    SystemClock clock;
    auto written = jd::WriteStixBundles(c.output_dir, total, clock.Now(), threads);
    if (!written.has_value()) {
      ReportError(written.error());
      return 1;
    }
  }
  PrintTable(total);
  if (writer) std::printf("per-state CSV and STIX 2.1 files in %s/\n", c.output_dir.c_str());
  if (drafting) return DraftRequests(*drafting, total, *shares);
  return 0;
}

}  // namespace

void AddJurisdictionCommands(CLI::App& app, JurisdictionCommands& c) {
  auto* data = app.add_subcommand("data", "IP data set for jurisdiction look-ups");
  data->require_subcommand(1);
  auto* update = data->add_subcommand(
      "update", "Validate an IP data set and make it the one the server uses (atomically)");
  update->add_option("--config", c.config_path, "Configuration file (TOML)");
  update->add_option("directory", c.source_dir,
                     "Data directory (default: the newest under [jurisdiction] data_dir)");
  update->callback([&c] { c.update = true; });

  auto* attribute = app.add_subcommand(
      "attribute", "Attribute observation feeds (CSV or NDJSON, plain or gzip) by state");
  attribute->add_option("files", c.files, "Feed files")->required()->check(CLI::ExistingFile);
  attribute->add_option("--config", c.config_path, "Configuration file (for the data set)");
  attribute->add_option("--data", c.data_dir, "Use this data directory instead");
  attribute->add_option("--column", c.column, "The address column or field (default: ip, "
                                              "address, ip_address, src_ip, …)");
  attribute->add_option("--category-column", c.category_column,
                        "The category column or field (default: category, type, tag, …)");
  attribute->add_option("--time-column", c.time_column,
                        "The time column or field (default: timestamp, time, seen, …)");
  attribute->add_option("--format", c.format, "auto (by extension), csv or ndjson")
      ->check(CLI::IsMember({"auto", "csv", "ndjson"}));
  attribute->add_option("--output", c.output_dir, "Directory for the per-state files");
  attribute->add_flag("--summary-only", c.summary_only, "Print the summary; write no files");
  attribute->add_flag("--strict", c.strict, "Stop at the first malformed line");
  attribute->add_option("--threads", c.threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  attribute->add_flag("--draft-requests", c.draft_requests,
                      "Draft a mitigation request to each state (needs --config and --as)");
  attribute->add_option("--as", c.as_account, "The account drafting the requests (acc_…)");
  attribute->add_option("--tlp", c.tlp, "TLP of the drafts")->capture_default_str();
  attribute->add_option("--urgency", c.urgency, "critical | urgent | routine")
      ->capture_default_str();
  attribute->add_option("--language", c.language,
                        "ar | zh | en | fr | ru | es (default: the account's)");
  attribute->add_option("--impact", c.impact, "The impact, written into every draft");
  attribute
      ->add_option("--max-indicators", c.max_indicators, "Addresses listed as indicators per draft")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  attribute->callback([&c] { c.attribute = true; });
}

int RunJurisdictionCommands(const JurisdictionCommands& c) {
  if (c.update) return Update(c);
  if (c.attribute) return Attribute(c);
  return -1;
}

}  // namespace liaison::cli
