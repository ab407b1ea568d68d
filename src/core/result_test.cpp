#include "core/result.hpp"

#include <gtest/gtest.h>

namespace liaison {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Error::InvalidArgument("odd", "n");
  return n / 2;
}

Result<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n));
  return OkStatus();
}

TEST(Result, CarriesValueOrError) {
  auto ok = Half(4);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 2);
  auto bad = Half(3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "n");
}

TEST(Result, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).has_value());
  EXPECT_TRUE(CheckEven(2).has_value());
  EXPECT_EQ(CheckEven(1).error().message, "odd");
}

TEST(Result, NamesEveryCode) {
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kFailedPrecondition), "failed_precondition");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kResourceExhausted), "resource_exhausted");
}

}  // namespace
}  // namespace liaison
