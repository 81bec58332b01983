#include "compiler/format/doc.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace squall::format {
namespace {

struct DocCase {
  std::string name;
  std::function<Doc()> doc;
  uint32_t width = 100;
  std::string expected;
};

// `f(x, y)` with the arguments breaking one per line and a trailing comma when broken.
Doc CallDoc(std::vector<std::string> args) {
  std::vector<Doc> inner;
  for (size_t i = 0; i < args.size(); ++i) {
    inner.push_back(i == 0 ? SoftLine() : Line());
    inner.push_back(Text(args[i]));
    inner.push_back(i + 1 == args.size() ? IfBreak(Text(","), Concat({})) : Text(","));
  }
  return Group(Concat({Text("f("), Indent(Concat(inner)), SoftLine(), Text(")")}));
}

class DocTest : public testing::TestWithParam<DocCase> {};

TEST_P(DocTest, Renders) {
  const DocCase& c = GetParam();
  EXPECT_EQ(Render(c.doc(), {.width = c.width, .indent = 2}), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Layout, DocTest,
    testing::Values(
        DocCase{.name = "TextConcat",
                .doc =
                    [] {
                      return Concat({Text("a"), Text("b")});
                    },
                .expected = "ab"},
        DocCase{.name = "GroupFitsFlat",
                .doc =
                    [] {
                      return Group(Concat({Text("a"), Line(), Text("b")}));
                    },
                .width = 3,
                .expected = "a b"},
        DocCase{.name = "GroupBreaks",
                .doc =
                    [] {
                      return Group(Concat({Text("a"), Line(), Text("b")}));
                    },
                .width = 2,
                .expected = "a\nb"},
        DocCase{.name = "SoftLineIsEmptyWhenFlat",
                .doc =
                    [] {
                      return Group(Concat({Text("a"), SoftLine(), Text("b")}));
                    },
                .expected = "ab"},
        DocCase{.name = "CallFlat",
                .doc =
                    [] {
                      return CallDoc({"x", "y"});
                    },
                .width = 7,
                .expected = "f(x, y)"},
        DocCase{.name = "CallBrokenWithTrailingComma",
                .doc =
                    [] {
                      return CallDoc({"x", "y"});
                    },
                .width = 6,
                .expected = "f(\n  x,\n  y,\n)"},
        DocCase{.name = "HardLineBreaksEnclosingGroups",
                .doc =
                    [] {
                      return Group(Concat({Text("a"), Line(), Group(HardLine())}));
                    },
                .expected = "a\n\n"},
        DocCase{.name = "BreakParentBreaksGroup",
                .doc =
                    [] {
                      return Group(Concat({Text("a"), Line(), Text("b"), BreakParent()}));
                    },
                .expected = "a\nb"},
        DocCase{.name = "NestedGroupFitsAfterOuterBreaks",
                .doc =
                    [] {
                      return Group(Concat({Text("let"), Indent(Concat({Line(), CallDoc({"x"})}))}));
                    },
                .width = 6,
                .expected = "let\n  f(x)"},
        DocCase{
            .name = "FitsCountsTextAfterTheGroup",
            .doc =
                [] {
                  return Concat({Group(Concat({Text("aaa"), Line(), Text("b")})), Text("cccc")});
                },
            .width = 8,
            .expected = "aaa\nbcccc"},
        DocCase{.name = "LineSuffixFlushedBeforeNewline",
                .doc =
                    [] {
                      return Concat(
                          {Text("a"), LineSuffix(Text(" # c")), Text(","), HardLine(), Text("b")});
                    },
                .expected = "a, # c\nb"},
        DocCase{.name = "TrailingCommentsNeverShareALine",
                .doc =
                    [] {
                      return Indent(Concat({Text("a"), TrailingComment("# x"),
                                            TrailingComment("# y"), HardLine(), Text("b")}));
                    },
                .expected = "a # x\n  # y\n  b"},
        DocCase{.name = "LineSuffixFlushedAtEnd",
                .doc =
                    [] {
                      return Concat({Text("a"), LineSuffix(Text(" # c"))});
                    },
                .expected = "a # c"},
        DocCase{.name = "LineSuffixDoesNotBreakGroup",
                .doc =
                    [] {
                      return Group(Concat({Text("a"), LineSuffix(HardLine()), Line(), Text("b")}));
                    },
                .expected = "a b\n"},
        DocCase{.name = "NoTrailingWhitespaceOnBlankLines",
                .doc =
                    [] {
                      return Indent(Concat({Text("{"), HardLine(), HardLine(), Text("x")}));
                    },
                .expected = "{\n\n  x"},
        DocCase{.name = "NoTrailingSpaceBeforeBreak",
                .doc =
                    [] {
                      return Concat({Text("a "), HardLine(), Text("b")});
                    },
                .expected = "a\nb"},
        DocCase{
            .name = "MultiLineTextSetsColumn",
            .doc =
                [] {
                  return Concat({Text("\"\"\"ab\ncd\"\"\""), Group(Concat({Line(), Text("e")}))});
                },
            .width = 7,
            .expected = "\"\"\"ab\ncd\"\"\" e"},
        DocCase{.name = "WidthCountsCodePoints",
                .doc =
                    [] {
                      return Group(Concat({Text("ééé"), Line(), Text("x")}));
                    },
                .width = 5,
                .expected = "ééé x"},
        DocCase{.name = "IndentSpacesPerLevel",
                .doc =
                    [] {
                      return Indent(Indent(Concat({HardLine(), Text("x")})));
                    },
                .expected = "\n    x"}),
    [](const testing::TestParamInfo<DocCase>& param_info) { return param_info.param.name; });

TEST(DocTest, JoinSeparates) {
  EXPECT_EQ(Render(Join(Text(", "), {Text("a"), Text("b"), Text("c")})), "a, b, c");
  EXPECT_EQ(Render(Join(Text(", "), {})), "");
}

TEST(DocTest, CustomIndentWidth) {
  EXPECT_EQ(Render(Indent(Concat({HardLine(), Text("x")})), {.width = 100, .indent = 4}),
            "\n    x");
}

// A 100k-element document (the shape of a long operator chain) renders without recursion.
TEST(DocTest, LongChainRendersIteratively) {
  constexpr int kTerms = 100000;
  std::vector<Doc> rest;
  for (int i = 1; i < kTerms; ++i) {
    rest.push_back(Line());
    rest.push_back(Text("+ a"));
  }
  const std::string out =
      Render(Group(Concat({Text("a"), Indent(Concat(std::move(rest)))})), {.width = 100});
  EXPECT_EQ(out.size(), 1 + static_cast<size_t>(kTerms - 1) * 6);
  EXPECT_EQ(out.substr(0, 9), "a\n  + a\n ");
}

}  // namespace
}  // namespace squall::format
