// PrintIndex: the decision tree as indented text, one node per line.
#include <bit>
#include <cstdio>

#include "compiler/diag/json_escape.h"
#include "compiler/index/index.h"

namespace squall::index {
namespace {

const char* PatternKindName(PatternKind kind) {
  switch (kind) {
    case PatternKind::kContains:
      return "contains";
    case PatternKind::kStartsWith:
      return "startswith";
    case PatternKind::kEndsWith:
      return "endswith";
    case PatternKind::kGlob:
      return "like";
    case PatternKind::kRegex:
      return "matches";
  }
  return "?";
}

std::string Number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

class Printer {
 public:
  Printer(const ir::Matcher& m, const MatcherIndex& index) : m_(m), index_(index) {}

  std::string Print() {
    for (auto [label, root] :
         {std::pair{"standard", index_.standard}, std::pair{"backstop", index_.backstop}}) {
      if (root == MatcherIndex::kNoTree) continue;
      out_ += std::string("  ") + label + ":\n";
      Node(root, 2);
    }
    return std::move(out_);
  }

 private:
  std::string SlotName(uint32_t slot) const {
    std::string name = "$" + std::to_string(slot) + " (";
    for (size_t i = 0; i < m_.slots[slot].path.size(); ++i) {
      if (i > 0) name += ".";
      name += m_.slots[slot].path[i];
    }
    return name + ")";
  }

  static std::string Quote(const std::string& s) {
    std::string out;
    diag::AppendJsonString(out, s);
    return out;
  }

  void Line(int depth, const std::string& text) {
    out_.append(static_cast<size_t>(depth) * 2, ' ');
    out_ += text;
    out_ += "\n";
  }

  void Node(uint32_t index, int depth) {
    const TreeNode& n = index_.nodes[index];
    switch (n.kind) {
      case TreeNode::Kind::kSeq:
        Line(depth, "all of");
        for (uint32_t c : n.children) Node(c, depth + 1);
        break;
      case TreeNode::Kind::kLeaf:
        for (const LeafRule& r : n.rules) {
          std::string text = "rule " + m_.rules[r.rule].name;
          if (!r.residuals.empty()) {
            text += " if conjunct";
            for (uint32_t c : r.residuals) text += " " + std::to_string(c);
          }
          Line(depth, text);
        }
        break;
      case TreeNode::Kind::kDispatch:
        Line(depth, "dispatch " + SlotName(n.slot));
        for (size_t i = 0; i < n.keys.size(); ++i) {
          const Key& k = n.keys[i];
          std::string text = k.kind == Key::Kind::kString ? Quote(k.text)
                             : k.kind == Key::Kind::kBool ? (k.integer ? "true" : "false")
                             : k.kind == Key::Kind::kDuration
                                 ? std::to_string(k.integer) + "ms"
                                 : Number(std::bit_cast<double>(k.integer));
          Line(depth + 1, text + " ->");
          Node(n.children[i], depth + 2);
        }
        break;
      case TreeNode::Kind::kPatterns:
        Line(depth, "patterns #" + std::to_string(n.pattern_set) + " " + SlotName(n.slot));
        for (size_t i = 0; i < n.patterns.size(); ++i) {
          Line(depth + 1, std::string(PatternKindName(n.patterns[i].kind)) + " " +
                              Quote(n.patterns[i].text) + " ->");
          Node(n.children[i], depth + 2);
        }
        break;
      case TreeNode::Kind::kThreshold:
        Line(depth, "thresholds " + SlotName(n.slot) + " (walk until one fails)");
        for (size_t i = 0; i < n.thresholds.size(); ++i) {
          const Threshold& t = n.thresholds[i];
          std::string op = n.lower_bounds ? (t.inclusive ? ">=" : ">") : (t.inclusive ? "<=" : "<");
          std::string bound =
              n.integer_domain ? std::to_string(t.integer) + "ms" : Number(t.number);
          Line(depth + 1, op + " " + bound + " ->");
          Node(n.children[i], depth + 2);
        }
        break;
    }
  }

  const ir::Matcher& m_;
  const MatcherIndex& index_;
  std::string out_;
};

}  // namespace

std::string PrintIndex(const ir::Matcher& matcher, const MatcherIndex& index) {
  std::string head = "matcher " + matcher.trigger;
  if (!matcher.parameters_json.empty()) head += " " + matcher.parameters_json;
  return head + "\n" + Printer(matcher, index).Print();
}

}  // namespace squall::index
