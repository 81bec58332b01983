#include "runtime/patterns/pattern_set.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>
#include <vector>

#include "compiler/check/glob.h"

namespace squall::patterns {
namespace {

using K = PatternKind;
using Indices = std::vector<uint32_t>;
using namespace std::string_literals;  // "a\0b"s keeps the NUL

Pattern Contains(std::string s) { return Pattern{.kind = K::kContains, .text = std::move(s)}; }
Pattern StartsWith(std::string s) { return Pattern{.kind = K::kStartsWith, .text = std::move(s)}; }
Pattern EndsWith(std::string s) { return Pattern{.kind = K::kEndsWith, .text = std::move(s)}; }
Pattern Glob(std::string s) { return Pattern{.kind = K::kGlob, .text = std::move(s)}; }
Pattern Regex(std::string s) { return Pattern{.kind = K::kRegex, .text = std::move(s)}; }

// The definitions PatternSet must reproduce (the reference interpreter's).
bool Holds(const Pattern& pattern, std::string_view text) {
  switch (pattern.kind) {
    case K::kContains:
      return text.find(pattern.text) != std::string_view::npos;
    case K::kStartsWith:
      return text.starts_with(pattern.text);
    case K::kEndsWith:
      return text.ends_with(pattern.text);
    case K::kGlob:
      return check::GlobMatch(pattern.text, text);
    case K::kRegex: {
      RE2::Options options;
      options.set_log_errors(false);
      RE2 re(pattern.text, options);
      return re.ok() && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
    }
  }
  return false;
}

Indices Naive(const std::vector<Pattern>& patterns, std::string_view text) {
  Indices hits;
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    if (Holds(patterns[i], text)) hits.push_back(i);
  }
  return hits;
}

// `out` gets exactly size() entries, so ASan catches a scan that writes past them.
Indices ScanAll(const PatternSet& set, std::string_view text) {
  std::vector<uint32_t> out(set.size());
  uint32_t count = set.Scan(text, out.data());
  EXPECT_LE(count, set.size());
  out.resize(std::min<size_t>(count, out.size()));
  return out;
}

std::string Printable(std::string_view bytes) {
  std::string s;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      s += static_cast<char>(c);
    } else {
      static const char* kHex = "0123456789abcdef";
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    }
  }
  return s;
}

std::string Describe(const std::vector<Pattern>& patterns) {
  static const char* kNames[] = {"contains", "startswith", "endswith", "like", "matches"};
  std::string s;
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    s += std::to_string(i) + ": " + kNames[static_cast<int>(patterns[i].kind)] + " \"" +
         Printable(patterns[i].text) + "\"\n";
  }
  return s;
}

struct ScanCase {
  std::string name;
  std::vector<Pattern> patterns;
  std::string text;
  Indices expected;
};

void PrintTo(const ScanCase& c, std::ostream* os) { *os << c.name; }
std::string CaseName(const testing::TestParamInfo<ScanCase>& param) { return param.param.name; }

class ScanTest : public testing::TestWithParam<ScanCase> {};

TEST_P(ScanTest, FindsExactlyThePatternsThatHold) {
  const ScanCase& c = GetParam();
  // The table is checked against the definitions too, so a wrong expectation cannot hide.
  ASSERT_EQ(Naive(c.patterns, c.text), c.expected) << "the case itself is wrong";
  std::string error;
  std::unique_ptr<PatternSet> set = PatternSet::Compile(c.patterns, &error);
  ASSERT_NE(set, nullptr) << error;
  EXPECT_EQ(set->size(), c.patterns.size());
  EXPECT_EQ(ScanAll(*set, c.text), c.expected) << "text \"" << Printable(c.text) << "\"\n"
                                               << Describe(c.patterns);
}

// Ten literals: past every "few literals" shortcut, so the hashed and vectorscan paths run.
std::vector<Pattern> Many(Pattern (*make)(std::string), std::vector<std::string> literals) {
  std::vector<Pattern> patterns;
  for (std::string& literal : literals) patterns.push_back(make(std::move(literal)));
  return patterns;
}
const std::vector<std::string> kTen = {"disk", "full", "/var", "/var/log", "log",
                                       "err",  "d",    "",     "x\0y"s,    "sk f"};

INSTANTIATE_TEST_SUITE_P(
    Contains, ScanTest,
    testing::Values(
        ScanCase{
            .name = "Hit", .patterns = {Contains("disk")}, .text = "disk full", .expected = {0}},
        ScanCase{.name = "Miss", .patterns = {Contains("disk")}, .text = "dis", .expected = {}},
        ScanCase{.name = "EmptyPatternEmptyText",
                 .patterns = {Contains("")},
                 .text = "",
                 .expected = {0}},
        ScanCase{.name = "EmptyPattern", .patterns = {Contains("")}, .text = "ab", .expected = {0}},
        ScanCase{.name = "EmptyText",
                 .patterns = {Contains("a"), Contains(""), Contains("b")},
                 .text = "",
                 .expected = {1}},
        ScanCase{.name = "LongerThanText",
                 .patterns = {Contains("abcdef")},
                 .text = "abc",
                 .expected = {}},
        ScanCase{.name = "Overlapping",
                 .patterns = {Contains("aa"), Contains("aaa"), Contains("a"), Contains("aaaa")},
                 .text = "aaa",
                 .expected = {0, 1, 2}},
        ScanCase{.name = "Duplicates",
                 .patterns = {Contains("x"), Contains("x"), Contains("y"), Contains("x")},
                 .text = "-x-",
                 .expected = {0, 1, 3}},
        ScanCase{.name = "NulInPatternAndText",
                 .patterns = {Contains("a\0b"s), Contains("ab")},
                 .text = "xa\0by"s,
                 .expected = {0}},
        ScanCase{.name = "Newline",
                 .patterns = {Contains("a\nb"), Contains("ab")},
                 .text = "xa\nb",
                 .expected = {0}},
        ScanCase{.name = "InvalidUtf8",
                 .patterns = {Contains("\xC3"), Contains("\xA9"), Contains("\xC3\xA9")},
                 .text = "caf\xC3\xA9",
                 .expected = {0, 1, 2}},
        ScanCase{.name = "Many",
                 .patterns = Many(Contains, kTen),
                 .text = "/var/log/disk full x\0y"s,
                 .expected = {0, 1, 2, 3, 4, 6, 7, 8, 9}},
        ScanCase{
            .name = "ManyEmptyText", .patterns = Many(Contains, kTen), .text = "", .expected = {7}},
        // vectorscan refuses literals that start with NUL; they are searched beside it.
        ScanCase{.name = "ManyLeadingNul",
                 .patterns = Many(Contains, {"\0"s, "\0a"s, "\0\0"s, "a", "b", "c", "d", "e"}),
                 .text = "za\0ab"s,
                 .expected = {0, 1, 3, 4}},
        ScanCase{.name = "ManyDuplicates",
                 .patterns = Many(Contains, {"a", "b", "c", "d", "e", "a", "b", "c", "d", "e"}),
                 .text = "eca",
                 .expected = {0, 2, 4, 5, 7, 9}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    StartsEndsWith, ScanTest,
    testing::Values(
        ScanCase{.name = "Prefixes",
                 .patterns = {StartsWith("/var"), StartsWith("/var/log"), StartsWith("/usr"),
                              StartsWith("")},
                 .text = "/var/log/syslog",
                 .expected = {0, 1, 3}},
        ScanCase{.name = "PrefixEmptyText",
                 .patterns = {StartsWith("/var"), StartsWith("")},
                 .text = "",
                 .expected = {1}},
        ScanCase{.name = "PrefixLongerThanText",
                 .patterns = {StartsWith("/var/log")},
                 .text = "/var",
                 .expected = {}},
        ScanCase{.name = "PrefixIsWholeText",
                 .patterns = {StartsWith("/var")},
                 .text = "/var",
                 .expected = {0}},
        ScanCase{.name = "Suffixes",
                 .patterns = {EndsWith(".log"), EndsWith("syslog.log"), EndsWith("log"),
                              EndsWith(".txt"), EndsWith("")},
                 .text = "/var/syslog.log",
                 .expected = {0, 1, 2, 4}},
        ScanCase{.name = "SuffixLongerThanText",
                 .patterns = {EndsWith("x.log")},
                 .text = ".log",
                 .expected = {}},
        ScanCase{.name = "NulAndNewline",
                 .patterns = {StartsWith("\0"s), EndsWith("\n"), StartsWith("\0a"s)},
                 .text = "\0b\n"s,
                 .expected = {0, 1}},
        ScanCase{.name = "ManyPrefixes",
                 .patterns = Many(StartsWith, kTen),
                 .text = "/var/log/x",
                 .expected = {2, 3, 7}},
        ScanCase{.name = "ManySuffixes",
                 .patterns = Many(EndsWith, kTen),
                 .text = "/var/err.log",
                 .expected = {4, 7}},
        ScanCase{.name = "ManySuffixesNul",
                 .patterns = Many(EndsWith, kTen),
                 .text = "ax\0y"s,
                 .expected = {7, 8}},
        // Hashed tables with literals longer than one and two 8-byte words.
        ScanCase{.name = "LongPrefixes",
                 .patterns = Many(StartsWith, {"/var/log/", "/var/log/nginx/", "/var/log/nginx/a",
                                               "/var/log/nginx/access.log", "/var/lib/", "/usr/",
                                               "/var/log/nginx/access.log.1", "/"}),
                 .text = "/var/log/nginx/access.log",
                 .expected = {0, 1, 2, 3, 7}},
        ScanCase{.name = "LongSuffixes",
                 .patterns = Many(EndsWith, {".log", "access.log", "/nginx/access.log",
                                             "x/access.log", "/var/log/nginx/access.log",
                                             "0/var/log/nginx/access.log", ".txt", "g"}),
                 .text = "/var/log/nginx/access.log",
                 .expected = {0, 1, 2, 3, 4, 7}},
        ScanCase{.name = "LongEqualities",
                 .patterns = Many(Glob, {"web-01.prod.example.com", "web-01.prod.example.co",
                                         "eb-01.prod.example.com", "a", "b", "c", "d", "e"}),
                 .text = "web-01.prod.example.com",
                 .expected = {0}},
        ScanCase{.name = "SameTextUnderEveryKind",
                 .patterns = {Contains("ab"), StartsWith("ab"), EndsWith("ab"), Glob("ab"),
                              Glob("*ab*"), Glob("ab*"), Glob("*ab"), Regex("ab")},
                 .text = "xaby",
                 .expected = {0, 4, 7}},
        ScanCase{.name = "SameTextUnderEveryKindPrefix",
                 .patterns = {Contains("ab"), StartsWith("ab"), EndsWith("ab"), Glob("ab"),
                              Glob("*ab*"), Glob("ab*"), Glob("*ab"), Regex("ab")},
                 .text = "abx",
                 .expected = {0, 1, 4, 5, 7}},
        ScanCase{.name = "SameTextUnderEveryKindWhole",
                 .patterns = {Contains("ab"), StartsWith("ab"), EndsWith("ab"), Glob("ab"),
                              Glob("*ab*"), Glob("ab*"), Glob("*ab"), Regex("ab")},
                 .text = "ab",
                 .expected = {0, 1, 2, 3, 4, 5, 6, 7}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Globs, ScanTest,
    testing::Values(
        ScanCase{.name = "Prefix",
                 .patterns = {Glob("web-*"), Glob("db-*")},
                 .text = "web-01",
                 .expected = {0}},
        ScanCase{
            .name = "PrefixExactly", .patterns = {Glob("web-*")}, .text = "web-", .expected = {0}},
        ScanCase{.name = "PrefixShort", .patterns = {Glob("web-*")}, .text = "web", .expected = {}},
        ScanCase{.name = "Suffix",
                 .patterns = {Glob("*.log"), Glob("*.txt")},
                 .text = "/var/syslog.log",
                 .expected = {0}},
        ScanCase{.name = "Infix",
                 .patterns = {Glob("*error*"), Glob("*warn*")},
                 .text = "an error here",
                 .expected = {0}},
        ScanCase{.name = "Equality",
                 .patterns = {Glob("web-01"), Glob("web-0"), Glob("")},
                 .text = "web-01",
                 .expected = {0}},
        ScanCase{.name = "EmptyGlobEmptyText",
                 .patterns = {Glob(""), Glob("*"), Glob("?"), Glob("a")},
                 .text = "",
                 .expected = {0, 1}},
        ScanCase{.name = "QuestionIsOneCodePoint",
                 .patterns = {Glob("a?c"), Glob("a??c"), Glob("a???c")},
                 .text = "a\xC3\xA9"
                         "c",
                 .expected = {0}},
        ScanCase{.name = "QuestionThreeByteCodePoint",
                 .patterns = {Glob("?"), Glob("??"), Glob("???"), Glob("*?")},
                 .text = "\xE2\x82\xAC",
                 .expected = {0, 3}},
        // A lead byte claims its sequence's length whatever follows (GlobMatch's definition).
        // A lead byte without its continuation is one (invalid) character of its own.
        ScanCase{.name = "QuestionInvalidUtf8",
                 .patterns = {Glob("?"), Glob("??"), Glob("?b"), Glob("???")},
                 .text = "\xC3"
                         "b",
                 .expected = {1, 2}},
        ScanCase{.name = "QuestionLoneContinuationByte",
                 .patterns = {Glob("?"), Glob("??"), Glob("?b")},
                 .text = "\xA9"
                         "b",
                 .expected = {1, 2}},
        ScanCase{.name = "EscapedStar",
                 .patterns = {Glob("web\\*"), Glob("web*")},
                 .text = "web*",
                 .expected = {0, 1}},
        ScanCase{.name = "EscapedStarIsLiteral",
                 .patterns = {Glob("web\\*"), Glob("web*")},
                 .text = "web1",
                 .expected = {1}},
        ScanCase{.name = "EscapedQuestionAndBackslash",
                 .patterns = {Glob("\\?"), Glob("a\\\\b"), Glob("a\\"), Glob("\\a")},
                 .text = "?",
                 .expected = {0}},
        ScanCase{.name = "TrailingBackslash",
                 .patterns = {Glob("a\\"), Glob("*\\"), Glob("a\\\\")},
                 .text = "a\\",
                 .expected = {0, 1, 2}},
        ScanCase{.name = "General",
                 .patterns = {Glob("*a*b*c"), Glob("web-*-prod"), Glob("*a?b*")},
                 .text = "xxaxxbxxc",
                 .expected = {0}},
        ScanCase{.name = "GeneralPrefilterPassesVerifyFails",
                 .patterns = {Glob("*a*bcd*e"), Glob("web-*-prod")},
                 .text = "bcd a web- -prod",
                 .expected = {}},
        ScanCase{.name = "GeneralAnchors",
                 .patterns = {Glob("web-*-prod"), Glob("web-?-prod"),
                              Glob("web-?"
                                   "?-prod")},
                 .text = "web-\xC3\xA9-prod",
                 .expected = {0, 1}},
        ScanCase{.name = "NulAndNewline",
                 .patterns = {Glob("*\n*"), Glob("a?b"), Glob("*\0*"s), Glob("?\n?"), Glob("a?b?"),
                              Glob("\0*"s)},
                 .text = "a\0b\n"s,
                 .expected = {0, 2, 4}},
        ScanCase{.name = "ManyGlobs",
                 .patterns = {Glob("web-*"), Glob("*.log"), Glob("*err*"), Glob("a*b*c"), Glob("?"),
                              Glob("*"), Glob("web-?"), Glob("*-*"), Glob("db-*"), Glob("*log*"),
                              Glob("*web*"), Glob("*.txt")},
                 .text = "web-err.log",
                 .expected = {0, 1, 2, 5, 7, 9, 10}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Regexes, ScanTest,
    testing::Values(
        ScanCase{.name = "Anchored",
                 .patterns = {Regex("^db-[0-9]+"), Regex("^web")},
                 .text = "db-12",
                 .expected = {0}},
        ScanCase{.name = "Unanchored",
                 .patterns = {Regex("^db-[0-9]+"), Regex("[0-9]+$")},
                 .text = "xdb-12",
                 .expected = {1}},
        ScanCase{.name = "CaretIsStartOfTextNotLine",
                 .patterns = {Regex("^b"), Regex("(?m)^b"), Regex("a$"), Regex("(?m)a$")},
                 .text = "a\nb",
                 .expected = {1, 3}},
        ScanCase{.name = "DollarBeforeFinalNewline",
                 .patterns = {Regex("a$"), Regex("(?m)a$"), Regex("a\\z"), Regex("a\n$")},
                 .text = "a\n",
                 .expected = {1, 3}},
        ScanCase{.name = "DotAndNewline",
                 .patterns = {Regex("a.b"), Regex("(?s)a.b"), Regex("a\\nb")},
                 .text = "a\nb",
                 .expected = {1, 2}},
        ScanCase{.name = "Nul",
                 .patterns = {Regex("a\\x00b"), Regex("a.b"), Regex("^a")},
                 .text = "a\0b"s,
                 .expected = {0, 1, 2}},
        ScanCase{.name = "Utf8Dot",
                 .patterns = {Regex("^.$"), Regex("^..$"), Regex("^\\C\\C$")},
                 .text = "\xC3\xA9",
                 .expected = {0, 2}},
        ScanCase{.name = "EmptyRegex",
                 .patterns = {Regex(""), Regex("^$"), Regex("x*")},
                 .text = "",
                 .expected = {0, 1, 2}},
        ScanCase{.name = "Duplicates",
                 .patterns = {Regex("b+"), Regex("a"), Regex("b+"), Regex("c")},
                 .text = "abb",
                 .expected = {0, 1, 2}},
        ScanCase{.name = "Single", .patterns = {Regex("o{2}")}, .text = "foo", .expected = {0}}),
    CaseName);

TEST(PatternSetTest, EmptySetFindsNothing) {
  std::string error;
  std::unique_ptr<PatternSet> set = PatternSet::Compile({}, &error);
  ASSERT_NE(set, nullptr) << error;
  EXPECT_EQ(set->size(), 0u);
  EXPECT_EQ(set->Scan("anything", nullptr), 0u);
}

TEST(PatternSetTest, InvalidRegexIsAnErrorNamingThePattern) {
  for (const std::string& bad : std::vector<std::string>{"(ab", "a**", "[z-a]", "\\", "x{2,1}"}) {
    std::string error;
    std::unique_ptr<PatternSet> set =
        PatternSet::Compile({Contains("x"), Regex("ok"), Regex(bad), Regex("fine")}, &error);
    EXPECT_EQ(set, nullptr) << bad;
    EXPECT_NE(error.find("pattern 2"), std::string::npos) << error;
    EXPECT_NE(error.find("\"" + bad + "\""), std::string::npos) << error;
  }
}

TEST(PatternSetTest, CAbiEntryPointScans) {
  std::string error;
  std::unique_ptr<PatternSet> set =
      PatternSet::Compile({Contains("b"), StartsWith("a"), Regex("c$")}, &error);
  ASSERT_NE(set, nullptr) << error;
  uint32_t out[3];
  const char text[] = "abc";
  ASSERT_EQ(squall_rt_pattern_scan(set.get(), text, 3, out), 3u);
  EXPECT_EQ(out[0], 0u);
  EXPECT_EQ(out[1], 1u);
  EXPECT_EQ(out[2], 2u);
  EXPECT_EQ(squall_rt_pattern_scan(set.get(), nullptr, 0, out), 0u);
}

TEST(PatternSetTest, TenThousandContainsPatterns) {
  std::vector<Pattern> patterns;
  for (int i = 0; i < 10'000; ++i) patterns.push_back(Contains("id-" + std::to_string(i) + ";"));
  std::string error;
  std::unique_ptr<PatternSet> set = PatternSet::Compile(patterns, &error);
  ASSERT_NE(set, nullptr) << error;
  EXPECT_EQ(ScanAll(*set, "user id-42; then id-9999;, not id-10000 nor id-7"), (Indices{42, 9999}));
  EXPECT_EQ(ScanAll(*set, ""), Indices{});
}

TEST(PatternSetTest, ScansRepeatedlyWithTheSameSet) {
  // The scratch space and buffers are reused: results must not leak from one scan to the next.
  std::string error;
  std::vector<Pattern> patterns = Many(Contains, kTen);
  patterns.push_back(Regex("a"));
  patterns.push_back(Regex("b"));
  std::unique_ptr<PatternSet> set = PatternSet::Compile(patterns, &error);
  ASSERT_NE(set, nullptr) << error;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& text : {"disk full"s, ""s, "ab"s, "/var/log"s, "x\0y"s}) {
      EXPECT_EQ(ScanAll(*set, text), Naive(patterns, text)) << Printable(text);
    }
  }
}

// --- Differential: random pattern sets and texts over a small alphabet, so that matches,
// overlaps, shared literals and multibyte code points are frequent.

class RandomCases {
 public:
  explicit RandomCases(uint32_t seed) : rng_(seed) {}

  uint32_t Below(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }

  template <size_t N>
  std::string Pieces(const char* const (&alphabet)[N], uint32_t max_pieces) {
    std::string s;
    for (uint32_t n = Below(max_pieces + 1); n > 0; --n) s += alphabet[Below(N)];
    return s;
  }

  std::string Text() {
    // Bytes and pieces that exercise UTF-8 (2- and 3-byte code points, a lone lead byte and a
    // lone continuation byte), NUL, newline and the glob metacharacters as text.
    static const char* const kText[] = {"a",  "b", "c",    "a",    "b", "\xC3\xA9", "\xE2\x82\xAC",
                                        "\n", "#", "\xC3", "\xA9", "*", "?",        "\\"};
    std::string s = Pieces(kText, 10);
    // Pieces are C strings: put the NULs in by hand.
    for (char& c : s) {
      if (c == '#') c = '\0';
    }
    return s;
  }

  std::string Literal() {
    static const char* const kLiteral[] = {"a", "b", "c", "\xC3\xA9", "\xE2\x82\xAC", "\n", "#"};
    std::string s = Pieces(kLiteral, 4);
    for (char& c : s) {
      if (c == '#') c = '\0';
    }
    return s;
  }

  std::string GlobText() {
    static const char* const kGlob[] = {"a",   "b",   "\xC3\xA9", "*",  "*",  "?",
                                        "\\*", "\\?", "\\a",      "\\", "\n", "c"};
    return Pieces(kGlob, 6);
  }

  // Mostly valid RE2 syntax; the rare invalid one checks that Compile reports it.
  std::string RegexText(int depth = 0) {
    static const char* const kAtom[] = {"a",    "b",   "\xC3\xA9", ".",      "[ab]",
                                        "[^a]", "\\n", "\\x00",    "\\C",    "\\b",
                                        "^",    "$",   "(?m:^)",   "(?m:$)", "(?s:.)"};
    static const char* const kQuantifier[] = {"", "", "", "*", "+", "?", "{1,2}", "*?"};
    std::string s;
    for (uint32_t n = 1 + Below(3); n > 0; --n) {
      if (depth < 2 && Below(6) == 0) {
        s += "(" + RegexText(depth + 1) + (Below(2) == 0 ? "|" + RegexText(depth + 1) : "") + ")";
      } else {
        s += kAtom[Below(std::size(kAtom))];
      }
      s += kQuantifier[Below(std::size(kQuantifier))];
    }
    if (depth == 0 && Below(200) == 0) s += "(";  // invalid
    return s;
  }

  std::vector<Pattern> PatternList() {
    // Usually a few patterns of mixed kinds; sometimes many of one kind, which takes the
    // hashed and vectorscan paths that small sets skip.
    bool big = Below(5) == 0;
    uint32_t count = big ? 20 + Below(100) : 1 + Below(12);
    uint32_t favourite = Below(5);
    std::vector<Pattern> patterns;
    for (uint32_t i = 0; i < count; ++i) {
      auto kind = static_cast<PatternKind>(big && Below(4) != 0 ? favourite : Below(5));
      if (kind == K::kRegex && big && Below(4) != 0) kind = K::kContains;  // keep RE2 small
      std::string text = kind == K::kGlob    ? GlobText()
                         : kind == K::kRegex ? RegexText()
                                             : Literal();
      patterns.push_back(Pattern{.kind = kind, .text = std::move(text)});
    }
    return patterns;
  }

  // Texts built around the patterns' own bytes match far more often than random ones.
  std::string TextFor(const std::vector<Pattern>& patterns) {
    if (Below(2) == 0) return Text();
    const Pattern& p = patterns[Below(static_cast<uint32_t>(patterns.size()))];
    std::string core = p.text;
    if (p.kind == K::kGlob) {
      for (char& c : core) {
        if (c == '*' || c == '?' || c == '\\') c = "ab\xC3"[Below(3)];
      }
    }
    switch (Below(4)) {
      case 0:
        return core;
      case 1:
        return core + Text();
      case 2:
        return Text() + core;
      default:
        return Text() + core + Text();
    }
  }

 private:
  std::mt19937 rng_;
};

bool AnyInvalidRegex(const std::vector<Pattern>& patterns) {
  for (const Pattern& p : patterns) {
    RE2::Options options;
    options.set_log_errors(false);
    if (p.kind == K::kRegex && !RE2(p.text, options).ok()) return true;
  }
  return false;
}

class DifferentialTest : public testing::TestWithParam<uint32_t> {};

TEST_P(DifferentialTest, ScanAgreesWithTheDefinitions) {
  RandomCases random(GetParam());
  int sets = 0, scans = 0, hits = 0, rejected = 0;
  for (int iteration = 0; iteration < 600; ++iteration) {
    std::vector<Pattern> patterns = random.PatternList();
    std::string error;
    std::unique_ptr<PatternSet> set = PatternSet::Compile(patterns, &error);
    if (AnyInvalidRegex(patterns)) {
      EXPECT_EQ(set, nullptr) << Describe(patterns);
      EXPECT_NE(error.find("invalid regex"), std::string::npos) << error;
      ++rejected;
      continue;
    }
    ASSERT_NE(set, nullptr) << error << "\n" << Describe(patterns);
    ++sets;
    for (int t = 0; t < 25; ++t) {
      std::string text = random.TextFor(patterns);
      Indices expected = Naive(patterns, text);
      ASSERT_EQ(ScanAll(*set, text), expected) << "text \"" << Printable(text) << "\"\n"
                                               << Describe(patterns);
      ++scans;
      hits += static_cast<int>(expected.size());
    }
  }
  // The generator must keep producing matches, or the comparison proves little.
  EXPECT_GT(hits, scans) << sets << " sets, " << rejected << " rejected";
}

INSTANTIATE_TEST_SUITE_P(Seeds, DifferentialTest, testing::Values(1u, 2u, 3u, 4u, 5u));

}  // namespace
}  // namespace squall::patterns
