// The Squall language server: JSON-RPC dispatch, the lifecycle (initialize, shutdown, exit)
// and the open documents. See README.md for the methods and what each returns.
//
// Thread safety: a Server is used by one thread (the stdio loop); it is not thread-safe.
// Errors: nothing a client sends makes it throw or stop: a bad message gets an error response
// (or, for a notification, a line on the log) and the server keeps going.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/lsp/analysis.h"
#include "cli/lsp/json_rpc.h"

namespace squall::lsp {

struct ServerOptions {
  // The pack search path for a document at file-system path `path` (empty for a document
  // without one, e.g. `untitled:`). Null: no packs besides the built-in ones.
  std::function<std::vector<std::filesystem::path>(const std::string& path)> search_path;
  std::string version = "0";  // reported as serverInfo.version
};

class Server {
 public:
  // `writer` receives responses and notifications; `log` gets human-readable lines. Both
  // must outlive the server.
  Server(ServerOptions options, MessageWriter& writer, std::ostream& log);

  // Handles one message body (a JSON-RPC request, notification or response).
  void Handle(const std::string& body);

  // After an `exit` notification: stop reading. The process exit status is exit_code().
  bool exited() const { return exited_; }
  // 0 when `shutdown` came before `exit` (or the input ended after it), else 1.
  int exit_code() const { return shutdown_ ? 0 : 1; }

 private:
  struct Document {
    std::string text;
    nlohmann::json version;
    std::shared_ptr<const Analysis> current;
    std::shared_ptr<const Analysis> last_checked;  // latest analysis that reached the checker
  };

  // Runs a request's method; returns its result or throws RequestError.
  nlohmann::json Dispatch(const std::string& method, const nlohmann::json& params);
  void Notify(const std::string& method, const nlohmann::json& params);
  void Update(const std::string& uri, std::string text, const nlohmann::json& version);
  std::shared_ptr<const Analysis> AnalyzeText(const std::string& uri, std::string text) const;
  const Document* Find(const nlohmann::json& params) const;

  ServerOptions options_;
  MessageWriter& writer_;
  std::ostream& log_;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;
  std::map<std::string, Document> documents_;  // by URI
};

// The stdio loop: reads framed messages from `in` until `exit` or the end of input, writing
// to `out` and logging to `log`. Returns the process exit status (Server::exit_code()).
int RunServer(std::istream& in, std::ostream& out, std::ostream& log, ServerOptions options);

}  // namespace squall::lsp
