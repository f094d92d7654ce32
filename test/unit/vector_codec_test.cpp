/*-------------------------------------------------------------------------
 *
 * vector_codec_test.cpp
 *		Unit tests for the text codec: parsing and float4out-style printing.
 *
 * IDENTIFICATION
 *		test/unit/vector_codec_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/vector_codec.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/cpp_only.h"

namespace core = vectordb::core;

namespace {

struct Parsed
{
	core::ParseStatus status;
	std::vector<float> values;
};

Parsed
Parse(const std::string &text, int max_dims = core::kVectorMaxDim)
{
	std::vector<float> buf(std::min<std::size_t>(max_dims, core::MaxElementsForLength(text.size())) + 1);
	core::ParseResult r = core::ParseVectorText(text.c_str(), buf.data(), max_dims);

	buf.resize(r.status == core::ParseStatus::kOk ? r.dim : 0);
	return {r.status, buf};
}

std::string
Format(float value)
{
	char		buf[core::kMaxElementText + 1];

	return std::string(buf, core::FormatFloat4(value, buf));
}

}								// namespace

TEST(ParseVectorText, AcceptsPgvectorForms)
{
	EXPECT_EQ(Parse("[1,2,3]").values, (std::vector<float>{1, 2, 3}));
	EXPECT_EQ(Parse("  [ 1 ,\t-2.5 ,3e2 ]\n").values, (std::vector<float>{1, -2.5f, 300}));
	EXPECT_EQ(Parse("[1e-46]").values, (std::vector<float>{0}));
	EXPECT_EQ(Parse("[-0]").status, core::ParseStatus::kOk);
}

TEST(ParseVectorText, RejectsMalformedText)
{
	for (const char *bad : {"[1,2", "[1,,2]", "1,2", "[1,2]x", "[abc]", "[1 2]", "[,1]", "[1,]", "", "[", "]", "[]x", "[1]]"})
		EXPECT_EQ(Parse(bad).status, core::ParseStatus::kSyntax) << bad;
	EXPECT_EQ(Parse("[]").status, core::ParseStatus::kEmpty);
	EXPECT_EQ(Parse(" [ ] ").status, core::ParseStatus::kEmpty);
}

TEST(ParseVectorText, RejectsNonFiniteAndOutOfRange)
{
	EXPECT_EQ(Parse("[NaN]").status, core::ParseStatus::kNaN);
	EXPECT_EQ(Parse("[1,inf]").status, core::ParseStatus::kInfinite);
	EXPECT_EQ(Parse("[-Infinity]").status, core::ParseStatus::kInfinite);

	std::string text = "[1, 1e39]";
	std::vector<float> buf(8);
	core::ParseResult r = core::ParseVectorText(text.c_str(), buf.data(), core::kVectorMaxDim);
	ASSERT_EQ(r.status, core::ParseStatus::kOutOfRange);
	EXPECT_EQ(text.substr(r.bad_offset, r.bad_length), "1e39");
}

TEST(ParseVectorText, EnforcesMaxDims)
{
	EXPECT_EQ(Parse("[1,2,3]", 3).status, core::ParseStatus::kOk);
	EXPECT_EQ(Parse("[1,2,3,4]", 3).status, core::ParseStatus::kTooManyDims);

	std::string big = "[0";
	for (int i = 1; i < core::kVectorMaxDim + 1; i++)
		big += ",0";
	big += "]";
	EXPECT_EQ(Parse(big).status, core::ParseStatus::kTooManyDims);
}

TEST(FormatFloat4, MatchesPostgresFloat4Out)
{
	/* Expected strings are what PostgreSQL 15 prints for these float4 values */
	EXPECT_EQ(Format(1), "1");
	EXPECT_EQ(Format(-2.5f), "-2.5");
	EXPECT_EQ(Format(0.1f), "0.1");
	EXPECT_EQ(Format(100000), "100000");
	EXPECT_EQ(Format(123456), "123456");
	EXPECT_EQ(Format(1000000), "1e+06");
	EXPECT_EQ(Format(1234567), "1.234567e+06");
	EXPECT_EQ(Format(0.0001f), "0.0001");
	EXPECT_EQ(Format(0.00001f), "1e-05");
	EXPECT_EQ(Format(0.00012345f), "0.00012345");
	EXPECT_EQ(Format(1.5e-45f), "1e-45");
	EXPECT_EQ(Format(3.4028235e38f), "3.4028235e+38");
	EXPECT_EQ(Format(-0.0f), "-0");
	EXPECT_EQ(Format(0.0f), "0");
	/* Shortest digits on a rounding boundary: float4out takes one more digit */
	EXPECT_EQ(Format(64311768.0f), "6.4311768e+07");
}

TEST(FormatFloat4, RoundTripsEveryBitPattern)
{
	std::mt19937 rng(42);
	char		buf[core::kMaxElementText + 1];

	for (int i = 0; i < 200000; i++)
	{
		uint32_t	bits = rng();
		float		value;

		std::memcpy(&value, &bits, sizeof(value));
		if (!std::isfinite(value))
			continue;
		buf[core::FormatFloat4(value, buf)] = '\0';
		ASSERT_LT(std::strlen(buf), core::kMaxElementText) << bits;
		float		back = std::strtof(buf, nullptr);
		ASSERT_EQ(std::memcmp(&back, &value, sizeof(value)), 0) << buf;
	}
}

TEST(FormatVectorText, WritesBracketedList)
{
	float		x[] = {1, -0.5f, 1e20f};
	std::vector<char> buf(core::FormatBufferSize(3));

	EXPECT_EQ(core::FormatVectorText(x, 3, buf.data()), std::strlen("[1,-0.5,1e+20]"));
	EXPECT_STREQ(buf.data(), "[1,-0.5,1e+20]");
}
