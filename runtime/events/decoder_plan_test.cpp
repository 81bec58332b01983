#include "runtime/events/decoder_plan.h"

#include <gtest/gtest.h>

#include <vector>

namespace squall::events {
namespace {

using types::TypeKind;

TEST(DecoderPlanTest, EqualPathsShareASlot) {
  const std::vector<FieldPath> paths = {
      {.segments = {"severity"}, .kind = TypeKind::kString},
      {.segments = {"cpu"}, .kind = TypeKind::kFloat},
      {.segments = {"severity"}, .kind = TypeKind::kString},
      {.segments = {"labels", "team"}, .kind = TypeKind::kString},
      {.segments = {"cpu"}, .kind = TypeKind::kFloat},
  };
  DecoderPlan plan("monitoring.alert", paths);
  EXPECT_EQ(plan.trigger_ref(), "monitoring.alert");
  EXPECT_EQ(plan.path_count(), 5u);
  ASSERT_EQ(plan.slot_count(), 3u);
  EXPECT_EQ(plan.slot_of(0), 0u);
  EXPECT_EQ(plan.slot_of(1), 1u);
  EXPECT_EQ(plan.slot_of(2), 0u);
  EXPECT_EQ(plan.slot_of(3), 2u);
  EXPECT_EQ(plan.slot_of(4), 1u);
  EXPECT_EQ(plan.slot_path(2), paths[3]);
  EXPECT_EQ(plan.slot_kind(1), TypeKind::kFloat);
  EXPECT_EQ(plan.max_depth(), 2u);
  // root, severity, cpu, labels, labels.team
  EXPECT_EQ(plan.nodes().size(), 5u);
}

TEST(DecoderPlanTest, SamePathWithTwoKindsIsTwoSlots) {
  const std::vector<FieldPath> paths = {
      {.segments = {"labels"}, .kind = TypeKind::kMap},
      {.segments = {"labels"}, .kind = TypeKind::kJson},
      {.segments = {"labels", "team"}, .kind = TypeKind::kString},
  };
  DecoderPlan plan("t", paths);
  EXPECT_EQ(plan.slot_count(), 3u);
  const int32_t labels = DecoderPlan::FindChild(plan.nodes()[0], "labels");
  ASSERT_GE(labels, 0);
  const DecoderPlan::Node& node = plan.nodes()[static_cast<size_t>(labels)];
  EXPECT_EQ(node.slots.size(), 2u);
  EXPECT_TRUE(node.has_raw_slot);
  EXPECT_GE(DecoderPlan::FindChild(node, "team"), 0);
  EXPECT_LT(DecoderPlan::FindChild(node, "tea"), 0);
}

TEST(DecoderPlanTest, KeysAreMatchedWhole) {
  const std::vector<FieldPath> paths = {
      {.segments = {"a.b"}, .kind = TypeKind::kInt},
      {.segments = {"a", "b"}, .kind = TypeKind::kInt},
      {.segments = {"ключ"}, .kind = TypeKind::kInt},
      {.segments = {""}, .kind = TypeKind::kInt},
  };
  DecoderPlan plan("t", paths);
  EXPECT_EQ(plan.slot_count(), 4u);
  const DecoderPlan::Node& root = plan.nodes()[0];
  EXPECT_GE(DecoderPlan::FindChild(root, "a.b"), 0);
  EXPECT_GE(DecoderPlan::FindChild(root, "a"), 0);
  EXPECT_GE(DecoderPlan::FindChild(root, "ключ"), 0);
  EXPECT_GE(DecoderPlan::FindChild(root, ""), 0);
  EXPECT_LT(DecoderPlan::FindChild(root, "b"), 0);
}

TEST(DecoderPlanTest, EmptyPathIsThePayload) {
  const std::vector<FieldPath> paths = {{.segments = {}, .kind = TypeKind::kRecord}};
  DecoderPlan plan("t", paths);
  EXPECT_EQ(plan.nodes().size(), 1u);
  EXPECT_EQ(plan.nodes()[0].slots.size(), 1u);
  EXPECT_TRUE(plan.nodes()[0].has_raw_slot);
}

TEST(DecoderPlanTest, EmptyPlanHasARoot) {
  DecoderPlan plan("t", {});
  EXPECT_EQ(plan.slot_count(), 0u);
  EXPECT_EQ(plan.nodes().size(), 1u);
}

TEST(DecoderPlanTest, SlotKinds) {
  for (TypeKind kind :
       {TypeKind::kBool, TypeKind::kInt, TypeKind::kFloat, TypeKind::kString, TypeKind::kDuration,
        TypeKind::kTime, TypeKind::kJson, TypeKind::kList, TypeKind::kMap, TypeKind::kRecord}) {
    EXPECT_TRUE(IsSlotKind(kind));
  }
  for (TypeKind kind :
       {TypeKind::kError, TypeKind::kNothing, TypeKind::kNull, TypeKind::kOptional}) {
    EXPECT_FALSE(IsSlotKind(kind));
  }
}

TEST(DecoderPlanDeathTest, OptionalKindIsACallerBug) {
  const std::vector<FieldPath> paths = {{.segments = {"x"}, .kind = TypeKind::kOptional}};
  EXPECT_DEATH(DecoderPlan("t", paths), "not a slot kind");
}

}  // namespace
}  // namespace squall::events
