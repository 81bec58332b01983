// In-process benchmarks of the checker stage: parse once, then time `check::Check` alone on
// generated rule files of growing size, and the pack loader on the real shared packs.
//
//   cmake --preset release && cmake --build --preset release --target squall_check_bench
//   build/release/bench/squall_check_bench --shared-packs=../shared/packs
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "compiler/check/checker.h"
#include "compiler/diag/diagnostic_engine.h"
#include "compiler/parse/parser.h"
#include "compiler/schema/loader.h"

namespace {

using namespace squall;

std::filesystem::path g_shared_packs = "../shared/packs";

// `rules` rules like the front-end benchmark's, against the built-in core pack.
std::string GenerateRules(int rules) {
  std::string text =
      "import core\n\ntrigger disk.low {\n  host: string\n  mount: string\n  free_pct: float\n"
      "}\n\n";
  for (int i = 0; i < rules; ++i) {
    std::string n = std::to_string(i);
    text += "rule r" + n +
            " {\n  if disk.low where event.mount == \"/var/log\" and event.free_pct < " + n +
            "\n    and event.host like \"web*\"\n  then core.local(cmd: \"logrotate -f " +
            "/etc/logrotate.conf\", timeout: 60)\n    retry 3 times every 10s backoff 2x\n" +
            "  on failure then core.sendmail(to: \"ops@example.com\", subject: \"failed on " +
            "{{event.host}}\")\n}\n\n";
  }
  return text;
}

void BM_Check(benchmark::State& state) {
  source::SourceManager sources;
  diag::DiagnosticEngine parse_diags(sources);
  source::FileId file_id = sources.AddFile("bench.rule", GenerateRules(state.range(0)));
  std::unique_ptr<const ast::File> file = parse::ParseFile(sources, file_id, parse_diags);
  if (parse_diags.HasErrors()) {
    state.SkipWithError("generated rules do not parse");
    return;
  }
  const ast::File* files[] = {file.get()};
  for (auto _ : state) {
    diag::DiagnosticEngine diags(sources);
    types::TypeContext types;
    schema::PackLoader packs(schema::LoaderOptions{}, sources, diags, types);
    check::CheckedProgram program = check::Check(files, packs, types, sources, diags);
    benchmark::DoNotOptimize(program);
    if (diags.HasErrors()) state.SkipWithError("generated rules do not check");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetLabel("rules");
}
BENCHMARK(BM_Check)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Loads every pack of the shared StackStorm collection (all YAML parsed and typed).
void BM_LoadSharedPacks(benchmark::State& state) {
  for (auto _ : state) {
    source::SourceManager sources;
    diag::DiagnosticEngine diags(sources);
    types::TypeContext types;
    schema::LoaderOptions options;
    options.search_path = {g_shared_packs};
    schema::PackLoader packs(std::move(options), sources, diags, types);
    size_t actions = 0;
    for (const std::string& name : packs.AvailablePacks()) {
      if (const schema::Pack* pack = packs.Load(name)) actions += pack->actions.size();
    }
    if (actions == 0) state.SkipWithError("no packs found; pass --shared-packs=DIR");
    benchmark::DoNotOptimize(actions);
  }
}
BENCHMARK(BM_LoadSharedPacks)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  constexpr std::string_view kFlag = "--shared-packs=";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with(kFlag)) {
      g_shared_packs = arg.substr(kFlag.size());
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
