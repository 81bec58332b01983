// Event decoding throughput on the shared workload (../shared/bench/events-100k.jsonl: bare
// payload objects, one per line): squall::events::Decoder in bare mode extracting 3 fields
// (severity, cpu, message) or 5 (+ host, region), one core. Each iteration decodes the whole
// file from memory, line splitting included; `events/s` and `bytes/s` are the figures.
//
//   cmake --preset release && cmake --build --preset release --target squall_decode_bench
//   build/release/bench/squall_decode_bench --events=../shared/bench/events-100k.jsonl
//
// BM_DecodeBatch* and BM_ReadAndDecodeFileBatch use the batch API (Decoder::StartBatch +
// DecodeNext over many lines, LineReader::NextChunk), the others one call per line.
//
// BM_SimdjsonReference* are plain simdjson On-Demand loops with no decoder around them (no
// slots, no validation of the rest of the line): the ceiling the decoder is compared with.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/events/decoder.h"
#include "runtime/events/line_reader.h"

namespace {

using namespace squall;
using events::DecodedEvent;
using events::DecodeMode;
using events::Decoder;
using events::DecoderOptions;
using events::DecoderPlan;
using events::FieldPath;
using types::TypeKind;

std::string g_events_path = "../shared/bench/events-100k.jsonl";

// The file's bytes followed by kInputPadding bytes, so that every line can be decoded in place.
struct Workload {
  std::unique_ptr<char[]> storage;
  std::string_view text;
  size_t lines = 0;
  bool ok = false;
};

const Workload& LoadWorkload() {
  static const Workload workload = [] {
    Workload w;
    std::ifstream in(g_events_path, std::ios::binary);
    if (!in) return w;
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    w.storage = std::make_unique<char[]>(text.size() + events::kInputPadding);
    std::memcpy(w.storage.get(), text.data(), text.size());
    w.text = std::string_view(w.storage.get(), text.size());
    for (char c : w.text) w.lines += c == '\n' ? 1 : 0;
    w.ok = !w.text.empty();
    return w;
  }();
  return workload;
}

std::vector<FieldPath> BenchPaths(int64_t fields) {
  std::vector<FieldPath> paths = {
      {.segments = {"severity"}, .kind = TypeKind::kString},
      {.segments = {"cpu"}, .kind = TypeKind::kFloat},
      {.segments = {"message"}, .kind = TypeKind::kString},
  };
  if (fields >= 5) {
    paths.push_back({.segments = {"host"}, .kind = TypeKind::kString});
    paths.push_back({.segments = {"region"}, .kind = TypeKind::kString});
  }
  return paths;
}

Decoder MakeDecoder(int64_t fields, DecodeMode mode, bool full_validation = false) {
  DecoderOptions options;
  options.mode = mode;
  options.bare_trigger = "monitoring.alert";
  options.full_validation = full_validation;
  std::vector<DecoderPlan> plans;
  plans.emplace_back("monitoring.alert", BenchPaths(fields));
  return Decoder(std::move(options), std::move(plans));
}

// Calls `line_fn` on every line of `text` (without its newline).
template <typename F>
void ForEachLine(std::string_view text, F&& line_fn) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* stop = newline != nullptr ? newline : end;
    line_fn(std::string_view(p, static_cast<size_t>(stop - p)));
    p = stop + 1;
  }
}

void Report(benchmark::State& state, size_t events_per_pass, size_t bytes_per_pass) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events_per_pass));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_pass));
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * events_per_pass), benchmark::Counter::kIsRate);
}

// Counts a value of every event, so that nothing is optimized away and a broken decode shows.
struct Checksum {
  uint64_t events = 0;
  uint64_t critical = 0;
  double cpu = 0;
  void Add(const DecodedEvent& event) {
    ++events;
    critical += event.slots[0].text == "critical" ? 1 : 0;
    cpu += event.slots[1].number;
  }
};

void DecodeFile(benchmark::State& state, Decoder& decoder, std::string_view text, bool padded,
                size_t expected) {
  DecodedEvent event;
  for (auto _ : state) {
    Checksum sum;
    ForEachLine(text, [&](std::string_view line) {
      const events::DecodeResult result =
          padded ? decoder.DecodePadded(line, event) : decoder.Decode(line, event);
      if (result.ok()) sum.Add(event);
    });
    benchmark::DoNotOptimize(sum);
    if (sum.events != expected) state.SkipWithError("not every line decoded");
  }
}

// Bare mode, zero-copy (lines decoded in place): the path `squall run` takes with LineReader.
void BM_DecodeBare(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare);
  DecodeFile(state, decoder, w.text, /*padded=*/true, w.lines);
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_DecodeBare)->ArgName("fields")->Arg(3)->Arg(5)->Unit(benchmark::kMillisecond);

// Decodes `text` as one batch (StartBatch + DecodeNext).
void DecodeFileBatch(benchmark::State& state, Decoder& decoder, std::string_view text,
                     size_t expected) {
  DecodedEvent event;
  events::DecodeResult result;
  for (auto _ : state) {
    Checksum sum;
    decoder.StartBatch(text);
    while (decoder.DecodeNext(event, result)) {
      if (result.ok()) sum.Add(event);
    }
    benchmark::DoNotOptimize(sum);
    if (sum.events != expected) state.SkipWithError("not every line decoded");
  }
}

// Bare mode, the file in memory decoded as one batch: stage 1 over 64 KiB ranges of lines.
void BM_DecodeBatch(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare);
  DecodeFileBatch(state, decoder, w.text, w.lines);
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_DecodeBatch)->ArgName("fields")->Arg(3)->Arg(5)->Unit(benchmark::kMillisecond);

// The file with one line in `range(1)` made malformed (its closing brace dropped), as one
// batch: what bad lines cost their neighbours (they are decoded again on their own, and so
// are some good lines near them).
void BM_DecodeBatchWithBadLines(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  const auto every = static_cast<size_t>(state.range(1));
  std::string text;
  size_t good = 0, index = 0;
  ForEachLine(w.text, [&](std::string_view line) {
    if (index++ % every == every / 2) {
      line.remove_suffix(1);
    } else {
      ++good;
    }
    text += line;
    text += '\n';
  });
  std::vector<char> padded(text.begin(), text.end());
  padded.resize(text.size() + events::kInputPadding);
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare);
  DecodeFileBatch(state, decoder, std::string_view(padded.data(), text.size()), good);
  state.counters["parsed_alone"] =
      benchmark::Counter(static_cast<double>(decoder.stats().batch_lines_alone) /
                         static_cast<double>(decoder.stats().lines));
  Report(state, w.lines, text.size());
}
BENCHMARK(BM_DecodeBatchWithBadLines)
    ->ArgNames({"fields", "bad_every"})
    ->Args({3, 10'000})
    ->Args({3, 1'000})
    ->Args({3, 100})
    ->Unit(benchmark::kMillisecond);

// Bare mode through Decode(): each line is copied into the decoder's padded buffer first.
void BM_DecodeBareCopy(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare);
  DecodeFile(state, decoder, w.text, /*padded=*/false, w.lines);
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_DecodeBareCopy)->ArgName("fields")->Arg(3)->Unit(benchmark::kMillisecond);

// Bare mode with DecoderOptions::full_validation: every value of every line parsed.
void BM_DecodeBareFullValidation(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare, /*full_validation=*/true);
  DecodeFile(state, decoder, w.text, /*padded=*/true, w.lines);
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_DecodeBareFullValidation)->ArgName("fields")->Arg(3)->Unit(benchmark::kMillisecond);

// The file's lines wrapped as {"trigger": "monitoring.alert", "payload": ...}, padded.
const std::vector<char>& WrappedWorkload() {
  static const std::vector<char> wrapped = [] {
    const Workload& w = LoadWorkload();
    std::string out;
    ForEachLine(w.text, [&](std::string_view line) {
      out += R"({"trigger":"monitoring.alert","payload":)";
      out += line;
      out += "}\n";
    });
    std::vector<char> padded(out.begin(), out.end());
    padded.resize(out.size() + events::kInputPadding);
    return padded;
  }();
  return wrapped;
}

// Envelope mode: the same payloads wrapped as {"trigger": "monitoring.alert", "payload": ...}.
void BM_DecodeEnvelope(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  const std::vector<char>& wrapped = WrappedWorkload();
  const std::string_view text(wrapped.data(), wrapped.size() - events::kInputPadding);
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kEnvelope);
  DecodeFile(state, decoder, text, /*padded=*/true, w.lines);
  Report(state, w.lines, text.size());
}
BENCHMARK(BM_DecodeEnvelope)->ArgName("fields")->Arg(3)->Unit(benchmark::kMillisecond);

// Envelope mode as one batch.
void BM_DecodeBatchEnvelope(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  const std::vector<char>& wrapped = WrappedWorkload();
  const std::string_view text(wrapped.data(), wrapped.size() - events::kInputPadding);
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kEnvelope);
  DecodeFileBatch(state, decoder, text, w.lines);
  Report(state, w.lines, text.size());
}
BENCHMARK(BM_DecodeBatchEnvelope)->ArgName("fields")->Arg(3)->Unit(benchmark::kMillisecond);

// From the file (page cache) through LineReader: read(2) in 1 MiB chunks, split, decode.
void BM_ReadAndDecodeFile(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare);
  DecodedEvent event;
  for (auto _ : state) {
    const int fd = open(g_events_path.c_str(), O_RDONLY);
    if (fd < 0) return state.SkipWithError("cannot open the events file");
    events::LineReader reader(fd);
    events::Line line;
    Checksum sum;
    while (reader.Next(line)) {
      if (decoder.DecodePadded(line.text, event).ok()) sum.Add(event);
    }
    close(fd);
    benchmark::DoNotOptimize(sum);
    if (sum.events != w.lines) state.SkipWithError("not every line decoded");
  }
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_ReadAndDecodeFile)->ArgName("fields")->Arg(3)->Unit(benchmark::kMillisecond);

// The same through the batch API: LineReader::NextChunk hands over every complete line read
// (about 1 MiB), decoded as one batch. The path `squall run` can take.
void BM_ReadAndDecodeFileBatch(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  Decoder decoder = MakeDecoder(state.range(0), DecodeMode::kBare);
  DecodedEvent event;
  events::DecodeResult result;
  for (auto _ : state) {
    const int fd = open(g_events_path.c_str(), O_RDONLY);
    if (fd < 0) return state.SkipWithError("cannot open the events file");
    events::LineReader reader(fd);
    std::string_view chunk;
    Checksum sum;
    while (reader.NextChunk(chunk)) {
      decoder.StartBatch(chunk);
      while (decoder.DecodeNext(event, result)) {
        if (result.ok()) sum.Add(event);
      }
    }
    close(fd);
    benchmark::DoNotOptimize(sum);
    if (sum.events != w.lines) state.SkipWithError("not every line decoded");
  }
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_ReadAndDecodeFileBatch)->ArgName("fields")->Arg(3)->Unit(benchmark::kMillisecond);

// The ceiling: simdjson On-Demand on each line in place, looking up 3 fields by name and
// nothing else (no rest-of-line checks, no trailing-text check, no slots).
void BM_SimdjsonReference(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    uint64_t events = 0, critical = 0;
    double cpu_sum = 0;
    ForEachLine(w.text, [&](std::string_view line) {
      simdjson::ondemand::document doc;
      if (parser.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING)
              .get(doc)) {
        return;
      }
      std::string_view severity, message;
      double cpu = 0;
      if (doc["severity"].get_string().get(severity) || doc["cpu"].get_double().get(cpu) ||
          doc["message"].get_string().get(message)) {
        return;
      }
      ++events;
      critical += severity == "critical" ? 1 : 0;
      cpu_sum += cpu + static_cast<double>(message.size());
    });
    benchmark::DoNotOptimize(cpu_sum);
    benchmark::DoNotOptimize(critical);
    if (events != w.lines) state.SkipWithError("not every line parsed");
  }
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_SimdjsonReference)->Unit(benchmark::kMillisecond);

// The same with iterate_many over the whole file (simdjson's document stream: stage 1 in
// 1 MiB batches). Not what the decoder does: one malformed line can derail a whole batch.
// `threads:2` is simdjson's default, a second thread running stage 1 on the next batch ahead
// (two cores); `threads:1` is one core, as everything else here.
void BM_SimdjsonReferenceIterateMany(benchmark::State& state) {
  const Workload& w = LoadWorkload();
  if (!w.ok) return state.SkipWithError("cannot read the events file; pass --events=PATH");
  simdjson::ondemand::parser parser;
  parser.threaded = state.range(0) == 2;
  for (auto _ : state) {
    uint64_t events = 0, critical = 0;
    double cpu_sum = 0;
    simdjson::ondemand::document_stream stream;
    if (parser.iterate_many(w.text.data(), w.text.size(), size_t{1} << 20).get(stream)) {
      return state.SkipWithError("iterate_many failed");
    }
    for (auto doc_result : stream) {
      simdjson::ondemand::document_reference doc;
      if (std::move(doc_result).get(doc)) break;
      std::string_view severity, message;
      double cpu = 0;
      if (doc["severity"].get_string().get(severity) || doc["cpu"].get_double().get(cpu) ||
          doc["message"].get_string().get(message)) {
        continue;
      }
      ++events;
      critical += severity == "critical" ? 1 : 0;
      cpu_sum += cpu + static_cast<double>(message.size());
    }
    benchmark::DoNotOptimize(cpu_sum);
    benchmark::DoNotOptimize(critical);
    if (events != w.lines) state.SkipWithError("not every line parsed");
  }
  Report(state, w.lines, w.text.size());
}
BENCHMARK(BM_SimdjsonReferenceIterateMany)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  constexpr std::string_view kFlag = "--events=";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with(kFlag)) {
      g_events_path = arg.substr(kFlag.size());
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
