/*-------------------------------------------------------------------------
 *
 * halfvec_codec_test.cpp
 *		Unit tests for the halfvec text and binary codec.
 *
 * IDENTIFICATION
 *		test/unit/halfvec_codec_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/halfvec_codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/half.h"

#include "core/cpp_only.h"

namespace core = vectordb::core;

namespace {

struct Parsed
{
	core::ParseResult result;
	std::vector<std::uint16_t> values;
};

/* Parses with buffers of exactly the documented capacity */
Parsed
Parse(const std::string &text, int max_dims = core::kHalfvecMaxDim)
{
	std::size_t capacity = std::min<std::size_t>(max_dims, core::MaxElementsForLength(text.size())) + 1;
	std::vector<std::uint16_t> out(capacity);
	std::vector<float> scratch(capacity);
	core::ParseResult r = core::ParseHalfvecText(text.c_str(), out.data(), scratch.data(), max_dims);

	out.resize(r.status == core::ParseStatus::kOk ? r.dim : 0);
	return {r, out};
}

std::string
Format(const std::vector<std::uint16_t> &x)
{
	std::vector<char> buf(core::FormatBufferSize(static_cast<int>(x.size())));
	std::size_t len = core::FormatHalfvecText(x.data(), static_cast<int>(x.size()), buf.data());

	EXPECT_EQ(len, std::strlen(buf.data()));
	return std::string(buf.data(), len);
}

/* Elements round to the nearest half and print as that half's float value */
TEST(HalfvecText, ParsesAndRounds)
{
	Parsed		p = Parse(" [1, -2.5 ,0.1, 3e2, 1e-8, 65504] ");

	ASSERT_EQ(p.result.status, core::ParseStatus::kOk);
	ASSERT_EQ(p.result.dim, 6);
	EXPECT_EQ(p.values, (std::vector<std::uint16_t>{0x3C00, 0xC100, 0x2E66, 0x5CB0, 0x0000, 0x7BFF}));
	EXPECT_EQ(Format(p.values), "[1,-2.5,0.099975586,300,0,65504]");
}

/* The vector grammar's outcomes carry over unchanged */
TEST(HalfvecText, VectorErrors)
{
	EXPECT_EQ(Parse("[1,2").result.status, core::ParseStatus::kSyntax);
	EXPECT_EQ(Parse("[]").result.status, core::ParseStatus::kEmpty);
	EXPECT_EQ(Parse("[NaN]").result.status, core::ParseStatus::kNaN);
	EXPECT_EQ(Parse("[1,-inf]").result.status, core::ParseStatus::kInfinite);
	EXPECT_EQ(Parse("[1,2,3]", 2).result.status, core::ParseStatus::kTooManyDims);

	Parsed		p = Parse("[1e39]");

	EXPECT_EQ(p.result.status, core::ParseStatus::kOutOfRange);
	EXPECT_EQ(p.result.bad_offset, 1u);
	EXPECT_EQ(p.result.bad_length, 4u);
}

/* A float beyond the half range is out of range, and the error points at its text */
TEST(HalfvecText, HalfOverflowLocatesElement)
{
	const std::string text = "[1, 2,\t-70000 ,4]";
	Parsed		p = Parse(text);

	ASSERT_EQ(p.result.status, core::ParseStatus::kOutOfRange);
	EXPECT_EQ(text.substr(p.result.bad_offset, p.result.bad_length), "-70000");

	EXPECT_EQ(Parse("[65519]").result.status, core::ParseStatus::kOk);
	p = Parse("[65520]");
	ASSERT_EQ(p.result.status, core::ParseStatus::kOutOfRange);
	EXPECT_EQ(p.result.bad_offset, 1u);
	EXPECT_EQ(p.result.bad_length, 5u);
	EXPECT_EQ(Parse("[1,1e5]").result.bad_offset, 3u);
}

/* Every finite half prints as text that parses back to the same bits */
TEST(HalfvecText, AllHalvesRoundTrip)
{
	std::vector<std::uint16_t> all;

	for (std::uint32_t bits = 0; bits <= 0xFFFF; bits++)
	{
		std::uint16_t h = static_cast<std::uint16_t>(bits);

		if (!core::HalfIsNaN(h) && !core::HalfIsInf(h))
			all.push_back(h);
	}
	for (std::size_t start = 0; start < all.size(); start += 16000)
	{
		std::vector<std::uint16_t> chunk(all.begin() + start,
										 all.begin() + std::min(all.size(), start + 16000));
		Parsed		p = Parse(Format(chunk));

		ASSERT_EQ(p.result.status, core::ParseStatus::kOk);
		ASSERT_EQ(p.values, chunk);
	}
}

using Bytes = std::vector<unsigned char>;

/* Header for dim and unused followed by big-endian halves */
Bytes
Message(int dim, int unused, const std::vector<std::uint16_t> &halves)
{
	Bytes		b = {static_cast<unsigned char>(dim >> 8), static_cast<unsigned char>(dim),
					 static_cast<unsigned char>(unused >> 8), static_cast<unsigned char>(unused)};

	for (std::uint16_t h : halves)
	{
		b.push_back(static_cast<unsigned char>(h >> 8));
		b.push_back(static_cast<unsigned char>(h));
	}
	return b;
}

core::DecodeResult
Decode(const Bytes &bytes, std::vector<std::uint16_t> *values = nullptr, int expected_dim = -1)
{
	std::vector<std::uint16_t> out(std::min<std::size_t>(core::kHalfvecMaxDim,
														 core::HalfvecBinaryElementsForLength(bytes.size())));
	core::DecodeResult r = core::DecodeHalfvecBinary(bytes.data(), bytes.size(), out.data(),
													 core::kHalfvecMaxDim, expected_dim);

	if (values)
		*values = std::vector<std::uint16_t>(out.begin(), out.begin() + (r.status == core::DecodeStatus::kOk ? r.dim : 0));
	return r;
}

/* pgvector's layout, big-endian, and back */
TEST(HalfvecBinary, RoundTrip)
{
	std::vector<std::uint16_t> x = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000};
	Bytes		buf(core::HalfvecBinarySize(5));
	std::vector<std::uint16_t> back;

	ASSERT_EQ(core::EncodeHalfvecBinary(x.data(), 5, buf.data()), buf.size());
	EXPECT_EQ(buf, Message(5, 0, x));
	EXPECT_EQ((Bytes{buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]}),
			  (Bytes{0x00, 0x05, 0x00, 0x00, 0x3C, 0x00}));
	ASSERT_EQ(Decode(buf, &back).status, core::DecodeStatus::kOk);
	EXPECT_EQ(back, x);
	EXPECT_EQ(Decode(buf, nullptr, 5).status, core::DecodeStatus::kOk);
}

/* Each malformed message, in the vector decoder's order of checks */
TEST(HalfvecBinary, Errors)
{
	EXPECT_EQ(Decode(Bytes{0x00, 0x01}).status, core::DecodeStatus::kTruncated);
	EXPECT_EQ(Decode(Message(0, 0, {})).status, core::DecodeStatus::kTooFewDims);
	EXPECT_EQ(Decode(Message(-1, 0, {})).status, core::DecodeStatus::kTooFewDims);
	EXPECT_EQ(Decode(Message(16001, 0, {})).status, core::DecodeStatus::kTooManyDims);
	EXPECT_EQ(Decode(Message(2, 0, {1, 2}), nullptr, 3).status, core::DecodeStatus::kDimMismatch);

	core::DecodeResult r = Decode(Message(1, 7, {0x3C00}));

	EXPECT_EQ(r.status, core::DecodeStatus::kUnusedNonZero);
	EXPECT_EQ(r.unused, 7);
	EXPECT_EQ(Decode(Message(2, 0, {0x3C00})).status, core::DecodeStatus::kLengthMismatch);
	/* A float-sized payload is not a halfvec */
	EXPECT_EQ(Decode(Message(1, 0, {0x3F80, 0x0000})).status, core::DecodeStatus::kLengthMismatch);
	EXPECT_EQ(Decode(Message(2, 0, {0x3C00, 0x7E00})).status, core::DecodeStatus::kNaN);
	EXPECT_EQ(Decode(Message(1, 0, {0xFC00})).status, core::DecodeStatus::kInfinite);
}

}							// namespace
