#include "cli/lsp/server.h"

#include <ostream>
#include <stdexcept>

#include "cli/lsp/features.h"
#include "cli/lsp/position.h"

namespace squall::lsp {
namespace {

using nlohmann::json;

// A failure that becomes a JSON-RPC error response with `code`.
struct RequestError : std::runtime_error {
  RequestError(int error_code, const std::string& message)
      : std::runtime_error(message), code(error_code) {}
  int code;
};

Position PositionOf(const json& params) {
  const json& p = params.at("position");
  int64_t line = p.at("line").get<int64_t>();
  int64_t character = p.at("character").get<int64_t>();
  if (line < 0 || character < 0) throw RequestError(kInvalidParams, "negative position");
  auto clamp = [](int64_t v) { return static_cast<uint32_t>(std::min<int64_t>(v, UINT32_MAX)); };
  return Position{clamp(line), clamp(character)};
}

// Applies one `contentChanges` entry: a whole-text replacement, or (tolerated although the
// server asks for full sync) a ranged edit.
void ApplyChange(std::string& text, const json& change) {
  const std::string& new_text = change.at("text").get_ref<const std::string&>();
  if (!change.contains("range") || change["range"].is_null()) {
    text = new_text;
    return;
  }
  const json& range = change["range"];
  auto position = [](const json& p) {
    return Position{static_cast<uint32_t>(std::max<int64_t>(0, p.at("line").get<int64_t>())),
                    static_cast<uint32_t>(std::max<int64_t>(0, p.at("character").get<int64_t>()))};
  };
  uint32_t begin = PositionToOffset(text, position(range.at("start")));
  uint32_t end = PositionToOffset(text, position(range.at("end")));
  if (end < begin) std::swap(begin, end);
  text.replace(begin, end - begin, new_text);
}

// A placeholder identifier inserted at the cursor so that half-typed code (`event.`) parses
// and checks, giving completion the types around it.
constexpr std::string_view kPlaceholder = "squall_lsp_completion_placeholder";

}  // namespace

Server::Server(ServerOptions options, MessageWriter& writer, std::ostream& log)
    : options_(std::move(options)), writer_(writer), log_(log) {}

std::shared_ptr<const Analysis> Server::AnalyzeText(const std::string& uri,
                                                    std::string text) const {
  std::vector<std::filesystem::path> search_path;
  if (options_.search_path) search_path = options_.search_path(UriToPath(uri));
  return Analyze(uri, std::move(text), std::move(search_path));
}

void Server::Update(const std::string& uri, std::string text, const json& version) {
  Document& document = documents_[uri];
  document.text = std::move(text);
  document.version = version;
  document.current = AnalyzeText(uri, document.text);
  if (document.current->checked) document.last_checked = document.current;
  writer_.Write({{"jsonrpc", "2.0"},
                 {"method", "textDocument/publishDiagnostics"},
                 {"params", PublishDiagnosticsParams(*document.current, version)}});
}

const Server::Document* Server::Find(const json& params) const {
  const std::string& uri = params.at("textDocument").at("uri").get_ref<const std::string&>();
  auto it = documents_.find(uri);
  return it == documents_.end() ? nullptr : &it->second;
}

void Server::Notify(const std::string& method, const json& params) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!initialized_ || shutdown_) return;  // dropped, as the protocol says
  if (method == "textDocument/didOpen") {
    const json& document = params.at("textDocument");
    Update(document.at("uri").get<std::string>(), document.at("text").get<std::string>(),
           document.value("version", json(nullptr)));
  } else if (method == "textDocument/didChange") {
    const std::string uri = params.at("textDocument").at("uri").get<std::string>();
    auto it = documents_.find(uri);
    if (it == documents_.end()) {
      log_ << "squall lsp: didChange for a document that is not open: " << uri << '\n';
      return;
    }
    std::string text = it->second.text;
    for (const json& change : params.at("contentChanges")) ApplyChange(text, change);
    Update(uri, std::move(text), params.at("textDocument").value("version", json(nullptr)));
  } else if (method == "textDocument/didClose") {
    const std::string uri = params.at("textDocument").at("uri").get<std::string>();
    documents_.erase(uri);
    writer_.Write({{"jsonrpc", "2.0"},
                   {"method", "textDocument/publishDiagnostics"},
                   {"params", {{"uri", uri}, {"diagnostics", json::array()}}}});
  }
  // initialized, didSave, $/cancelRequest, $/setTrace, workspace/*: nothing to do.
}

json Server::Dispatch(const std::string& method, const json& params) {
  if (method == "initialize") {
    initialized_ = true;
    return {{"capabilities",
             {{"positionEncoding", "utf-16"},
              {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
              {"hoverProvider", true},
              {"completionProvider", {{"triggerCharacters", {".", "(", ","}}}},
              {"definitionProvider", true},
              {"documentSymbolProvider", true},
              {"documentFormattingProvider", true}}},
            {"serverInfo", {{"name", "squall"}, {"version", options_.version}}}};
  }
  if (!initialized_) throw RequestError(kServerNotInitialized, "the server is not initialized");
  if (shutdown_) throw RequestError(kInvalidRequest, "the server is shut down");
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "textDocument/hover" || method == "textDocument/completion" ||
      method == "textDocument/definition" || method == "textDocument/documentSymbol" ||
      method == "textDocument/formatting") {
    const Document* document = Find(params);
    if (document == nullptr) {
      throw RequestError(kInvalidParams,
                         "the document is not open: " + params.at("textDocument").at("uri").dump());
    }
    const Analysis& current = *document->current;
    if (method == "textDocument/hover") return Hover(current, PositionOf(params));
    if (method == "textDocument/definition") return Definition(current, PositionOf(params));
    if (method == "textDocument/documentSymbol") return DocumentSymbols(current);
    if (method == "textDocument/formatting") return Formatting(current);
    // Completion: types from the document as it is, else with a placeholder at the cursor,
    // else from its last version that checked.
    Position position = PositionOf(params);
    std::shared_ptr<const Analysis> context = document->current;
    if (!context->checked) {
      std::string patched = document->text;
      patched.insert(PositionToOffset(patched, position), kPlaceholder);
      context = AnalyzeText(current.uri, std::move(patched));
      if (!context->checked) context = document->last_checked;
    }
    return Completion(current, context.get(), position);
  }
  throw RequestError(kMethodNotFound, "unknown method `" + method + "`");
}

void Server::Handle(const std::string& body) {
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    log_ << "squall lsp: a message is not valid JSON\n";
    writer_.Write(ErrorResponse(nullptr, kParseError, "the message is not valid JSON"));
    return;
  }
  if (!message.is_object()) {
    writer_.Write(ErrorResponse(nullptr, kInvalidRequest, "a message must be a JSON object"));
    return;
  }
  json id = message.contains("id") ? message["id"] : json();
  bool has_id = message.contains("id");
  if (has_id && !id.is_string() && !id.is_number_integer() && !id.is_null()) {
    writer_.Write(ErrorResponse(nullptr, kInvalidRequest, "`id` must be a number or a string"));
    return;
  }
  if (!message.contains("method")) {
    // A response to a request of ours (we send none) or garbage; nothing to answer.
    if (!message.contains("result") && !message.contains("error")) {
      writer_.Write(ErrorResponse(id, kInvalidRequest, "a request needs a `method`"));
    }
    return;
  }
  if (!message["method"].is_string()) {
    writer_.Write(ErrorResponse(id, kInvalidRequest, "`method` must be a string"));
    return;
  }
  const std::string method = message["method"].get<std::string>();
  json params = message.contains("params") ? message["params"] : json::object();
  if (!has_id) {
    try {
      Notify(method, params);
    } catch (const std::exception& e) {
      log_ << "squall lsp: ignoring a bad `" << method << "` notification: " << e.what() << '\n';
    }
    return;
  }
  try {
    json result = Dispatch(method, params);
    writer_.Write({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
  } catch (const RequestError& e) {
    writer_.Write(ErrorResponse(id, e.code, e.what()));
  } catch (const json::exception& e) {
    writer_.Write(ErrorResponse(id, kInvalidParams, std::string("bad params: ") + e.what()));
  } catch (const std::exception& e) {
    log_ << "squall lsp: internal error in `" << method << "`: " << e.what() << '\n';
    writer_.Write(ErrorResponse(id, kInternalError, e.what()));
  }
}

int RunServer(std::istream& in, std::ostream& out, std::ostream& log, ServerOptions options) {
  MessageReader reader(in);
  MessageWriter writer(out);
  Server server(std::move(options), writer, log);
  while (!server.exited()) {
    ReadResult read = reader.Read();
    if (read.status == ReadResult::Status::kEof) {
      if (!read.error.empty()) log << "squall lsp: " << read.error << '\n';
      break;
    }
    if (read.status == ReadResult::Status::kBadHeader) {
      log << "squall lsp: skipping a message: " << read.error << '\n';
      continue;
    }
    server.Handle(read.body);
  }
  return server.exit_code();
}

}  // namespace squall::lsp
