#include "compiler/format/doc.h"

#include <cstdint>
#include <utility>

namespace squall::format {
namespace {

Doc Make(DocKind kind, std::vector<Doc> children = {}) {
  auto node = std::make_shared<DocNode>();
  node->kind = kind;
  // A line suffix is emitted at the next newline wherever that is, so the hard lines inside
  // it say nothing about the groups around it.
  if (kind != DocKind::kLineSuffix) {
    for (const Doc& child : children) node->forces_break |= child->forces_break;
  }
  node->children = std::move(children);
  return node;
}

Doc MakeLine(LineKind line) {
  auto node = std::make_shared<DocNode>();
  node->kind = DocKind::kLine;
  node->line = line;
  node->forces_break = line == LineKind::kHard;
  return node;
}

enum class Mode : uint8_t { kFlat, kBreak };

struct Command {
  int64_t indent;
  Mode mode;
  const DocNode* doc;
};

// Code points, not bytes: columns are what people see.
int64_t Width(std::string_view text) {
  int64_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

// Whether `next` rendered flat, followed by `rest` in their own modes up to the first line
// break, fits in `width_left` columns.
bool Fits(const Command& next, const std::vector<Command>& rest, int64_t width_left) {
  std::vector<Command> stack{next};
  size_t rest_index = rest.size();
  while (width_left >= 0) {
    if (stack.empty()) {
      if (rest_index == 0) return true;
      stack.push_back(rest[--rest_index]);
    }
    const Command command = stack.back();
    stack.pop_back();
    const DocNode& doc = *command.doc;
    switch (doc.kind) {
      case DocKind::kText: {
        const size_t newline = doc.text.find('\n');
        if (newline != std::string::npos) {
          return width_left - Width(std::string_view(doc.text).substr(0, newline)) >= 0;
        }
        width_left -= Width(doc.text);
        break;
      }
      case DocKind::kLine:
        if (command.mode == Mode::kBreak || doc.line == LineKind::kHard) return true;
        if (doc.line == LineKind::kLine) width_left -= 1;
        break;
      case DocKind::kConcat:
        for (auto it = doc.children.rbegin(); it != doc.children.rend(); ++it) {
          stack.push_back({command.indent, command.mode, it->get()});
        }
        break;
      case DocKind::kGroup:
        stack.push_back({command.indent, doc.forces_break ? Mode::kBreak : command.mode,
                         doc.children[0].get()});
        break;
      case DocKind::kIndent:
        stack.push_back({command.indent, command.mode, doc.children[0].get()});
        break;
      case DocKind::kIfBreak:
        stack.push_back({command.indent, command.mode,
                         doc.children[command.mode == Mode::kBreak ? 0 : 1].get()});
        break;
      case DocKind::kLineSuffix:
      case DocKind::kBreakParent:
        break;
    }
  }
  return false;
}

class Renderer {
 public:
  explicit Renderer(const RenderOptions& options) : options_(options) {}

  std::string Run(const Doc& root) {
    commands_.push_back({0, Mode::kBreak, root.get()});
    while (!commands_.empty()) {
      const Command command = commands_.back();
      commands_.pop_back();
      Step(command);
    }
    // Suffixes still pending at the end (a trailing comment on the last line).
    if (!suffixes_.empty()) {
      PushSuffixes();
      while (!commands_.empty()) {
        const Command command = commands_.back();
        commands_.pop_back();
        Step(command);
      }
    }
    return std::move(out_);
  }

 private:
  void Step(const Command& command) {
    const DocNode& doc = *command.doc;
    switch (doc.kind) {
      case DocKind::kText:
        WriteText(doc.text);
        return;
      case DocKind::kConcat:
        for (auto it = doc.children.rbegin(); it != doc.children.rend(); ++it) {
          commands_.push_back({command.indent, command.mode, it->get()});
        }
        return;
      case DocKind::kGroup: {
        Mode mode = Mode::kBreak;
        if (!doc.forces_break) {
          const Command flat{command.indent, Mode::kFlat, doc.children[0].get()};
          if (command.mode == Mode::kFlat ||
              Fits(flat, commands_, static_cast<int64_t>(options_.width) - column_)) {
            mode = Mode::kFlat;
          }
        }
        commands_.push_back({command.indent, mode, doc.children[0].get()});
        return;
      }
      case DocKind::kIndent:
        commands_.push_back(
            {command.indent + options_.indent, command.mode, doc.children[0].get()});
        return;
      case DocKind::kIfBreak:
        commands_.push_back({command.indent, command.mode,
                             doc.children[command.mode == Mode::kBreak ? 0 : 1].get()});
        return;
      case DocKind::kLineSuffix:
        suffixes_.push_back({command.indent, command.mode, &doc});
        return;
      case DocKind::kBreakParent:
        return;
      case DocKind::kLine:
        if (command.mode == Mode::kFlat && doc.line != LineKind::kHard) {
          if (doc.line == LineKind::kLine) WriteText(" ");
          return;
        }
        if (!suffixes_.empty()) {
          // Emit the deferred suffixes first, then come back to this line break.
          commands_.push_back(command);
          PushSuffixes();
          return;
        }
        Newline(command.indent);
        return;
    }
  }

  // Schedules the pending suffixes (in order) and clears them. A trailing comment that is not
  // the first suffix on this line starts a line of its own.
  void PushSuffixes() {
    for (size_t i = suffixes_.size(); i-- > 0;) {
      const Command& suffix = suffixes_[i];
      const DocNode& doc = *suffix.doc;
      if (i > 0 && !doc.text.empty()) {
        commands_.push_back({suffix.indent, Mode::kBreak, doc.children[1].get()});
        commands_.push_back({suffix.indent, Mode::kBreak, hard_line_.get()});
      } else {
        commands_.push_back({suffix.indent, suffix.mode, doc.children[0].get()});
      }
    }
    suffixes_.clear();
  }

  void WriteText(const std::string& text) {
    if (text.empty()) return;
    if (pending_indent_ > 0) {
      out_.append(static_cast<size_t>(pending_indent_), ' ');
      pending_indent_ = 0;
    }
    out_ += text;
    const size_t newline = text.rfind('\n');
    if (newline == std::string::npos) {
      column_ += Width(text);
    } else {
      column_ = Width(std::string_view(text).substr(newline + 1));
    }
  }

  void Newline(int64_t indent) {
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
    out_ += '\n';
    pending_indent_ = indent;
    column_ = indent;
  }

  const RenderOptions& options_;
  const Doc hard_line_ = HardLine();
  std::vector<Command> commands_;
  std::vector<Command> suffixes_;
  std::string out_;
  int64_t column_ = 0;
  int64_t pending_indent_ = 0;
};

}  // namespace

Doc Text(std::string text) {
  auto node = std::make_shared<DocNode>();
  node->kind = DocKind::kText;
  node->text = std::move(text);
  return node;
}

Doc Line() { return MakeLine(LineKind::kLine); }
Doc SoftLine() { return MakeLine(LineKind::kSoft); }
Doc HardLine() { return MakeLine(LineKind::kHard); }
Doc Concat(std::vector<Doc> parts) { return Make(DocKind::kConcat, std::move(parts)); }
Doc Group(Doc doc) { return Make(DocKind::kGroup, {std::move(doc)}); }
Doc Indent(Doc doc) { return Make(DocKind::kIndent, {std::move(doc)}); }
Doc IfBreak(Doc broken, Doc flat) {
  return Make(DocKind::kIfBreak, {std::move(broken), std::move(flat)});
}
Doc LineSuffix(Doc doc) { return Make(DocKind::kLineSuffix, {std::move(doc)}); }

Doc TrailingComment(std::string comment) {
  auto node = std::make_shared<DocNode>();
  node->kind = DocKind::kLineSuffix;
  node->children = {Text(" " + comment), Text(comment)};
  node->text = std::move(comment);
  return node;
}

Doc BreakParent() {
  auto node = std::make_shared<DocNode>();
  node->kind = DocKind::kBreakParent;
  node->forces_break = true;
  return node;
}

Doc Join(const Doc& separator, const std::vector<Doc>& parts) {
  std::vector<Doc> joined;
  joined.reserve(parts.size() * 2);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined.push_back(separator);
    joined.push_back(parts[i]);
  }
  return Concat(std::move(joined));
}

std::string Render(const Doc& doc, const RenderOptions& options) {
  return Renderer(options).Run(doc);
}

}  // namespace squall::format
