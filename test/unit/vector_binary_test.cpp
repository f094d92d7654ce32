/*-------------------------------------------------------------------------
 *
 * vector_binary_test.cpp
 *		Unit tests for the binary codec behind vector_recv and vector_send.
 *
 * IDENTIFICATION
 *		test/unit/vector_binary_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/vector_codec.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/cpp_only.h"

namespace core = vectordb::core;

namespace {

using Bytes = std::vector<unsigned char>;

struct Decoded
{
	core::DecodeResult result;
	std::vector<float> values;
};

/* Decodes into a buffer of exactly the documented capacity */
Decoded
Decode(const Bytes &bytes, int expected_dim = -1, int max_dims = core::kVectorMaxDim)
{
	std::size_t capacity = std::min<std::size_t>(max_dims, core::BinaryElementsForLength(bytes.size()));
	std::vector<float> out(capacity);
	core::DecodeResult r = core::DecodeVectorBinary(bytes.data(), bytes.size(), out.data(), max_dims,
													expected_dim);

	out.resize(r.status == core::DecodeStatus::kOk ? r.dim : 0);
	return {r, out};
}

/* Header for dim and unused followed by the given big-endian float bit patterns */
Bytes
Message(int dim, int unused, const std::vector<uint32_t> &bits)
{
	Bytes		b = {static_cast<unsigned char>(dim >> 8), static_cast<unsigned char>(dim),
					 static_cast<unsigned char>(unused >> 8), static_cast<unsigned char>(unused)};

	for (uint32_t w : bits)
		for (int shift = 24; shift >= 0; shift -= 8)
			b.push_back(static_cast<unsigned char>(w >> shift));
	return b;
}

}								// namespace

TEST(DecodeVectorBinary, ReadsVectorSendOutput)
{
	/* vector_send('[1,-2,0.5]'), as the regress test prints it */
	Decoded		d = Decode(Message(3, 0, {0x3f800000, 0xc0000000, 0x3f000000}));

	ASSERT_EQ(d.result.status, core::DecodeStatus::kOk);
	EXPECT_EQ(d.result.dim, 3);
	EXPECT_EQ(d.values, (std::vector<float>{1, -2, 0.5f}));
}

TEST(DecodeVectorBinary, RejectsTruncatedHeader)
{
	for (std::size_t len = 0; len < core::kBinaryHeaderSize; len++)
		EXPECT_EQ(Decode(Bytes(len, 0)).result.status, core::DecodeStatus::kTruncated) << len;
	/* A NULL buffer of length 0 must not be read */
	EXPECT_EQ(core::DecodeVectorBinary(nullptr, 0, nullptr, core::kVectorMaxDim, -1).status,
			  core::DecodeStatus::kTruncated);
}

TEST(DecodeVectorBinary, RejectsBadDims)
{
	Decoded		zero = Decode(Message(0, 0, {0x3f800000}));
	Decoded		negative = Decode(Message(0xffff, 0, {}));
	Decoded		too_many = Decode(Message(core::kVectorMaxDim + 1, 0, {}));

	EXPECT_EQ(zero.result.status, core::DecodeStatus::kTooFewDims);
	EXPECT_EQ(negative.result.status, core::DecodeStatus::kTooFewDims);
	EXPECT_EQ(negative.result.dim, -1);
	EXPECT_EQ(too_many.result.status, core::DecodeStatus::kTooManyDims);
	EXPECT_EQ(too_many.result.dim, 16001);
	EXPECT_EQ(Decode(Message(3, 0, {0, 0, 0}), -1, 2).result.status, core::DecodeStatus::kTooManyDims);

	/* The largest vector is accepted */
	Decoded		most = Decode(Message(core::kVectorMaxDim, 0, std::vector<uint32_t>(core::kVectorMaxDim)));

	EXPECT_EQ(most.result.status, core::DecodeStatus::kOk);
	EXPECT_EQ(most.values.size(), static_cast<std::size_t>(core::kVectorMaxDim));
}

TEST(DecodeVectorBinary, ChecksTypmodThenUnusedThenLength)
{
	Bytes		two = Message(2, 0, {0x3f800000, 0x3f800000});

	EXPECT_EQ(Decode(two, 2).result.status, core::DecodeStatus::kOk);
	EXPECT_EQ(Decode(two, 3).result.status, core::DecodeStatus::kDimMismatch);
	/* The typmod is checked before unused and the length, as vector_recv always did */
	EXPECT_EQ(Decode(Message(2, 1, {}), 3).result.status, core::DecodeStatus::kDimMismatch);

	Decoded		unused = Decode(Message(1, 1, {0x3f800000}));

	EXPECT_EQ(unused.result.status, core::DecodeStatus::kUnusedNonZero);
	EXPECT_EQ(unused.result.unused, 1);
	EXPECT_EQ(Decode(Message(1, 0x8000, {})).result.unused, -32768);
}

TEST(DecodeVectorBinary, RejectsLengthMismatch)
{
	Decoded		no_data = Decode(Message(2, 0, {}));
	Bytes		trailing = Message(1, 0, {0x3f800000});

	trailing.push_back(0xff);
	Decoded		extra = Decode(trailing);

	EXPECT_EQ(no_data.result.status, core::DecodeStatus::kLengthMismatch);
	EXPECT_EQ(no_data.result.data_len, 0u);
	EXPECT_EQ(extra.result.status, core::DecodeStatus::kLengthMismatch);
	EXPECT_EQ(extra.result.data_len, 5u);
	/* A short payload must be refused before any element is read */
	EXPECT_EQ(Decode(Message(3, 0, {0x3f800000, 0x3f800000})).result.status,
			  core::DecodeStatus::kLengthMismatch);
	/* dim 16000 with 4 bytes: out has room for one float only */
	EXPECT_EQ(Decode(Message(core::kVectorMaxDim, 0, {0})).result.status,
			  core::DecodeStatus::kLengthMismatch);
}

TEST(DecodeVectorBinary, RejectsNaNAndInfinity)
{
	EXPECT_EQ(Decode(Message(1, 0, {0x7fc00000})).result.status, core::DecodeStatus::kNaN);
	/* Any NaN payload, signalling or negative, is still NaN */
	EXPECT_EQ(Decode(Message(2, 0, {0, 0xff800001})).result.status, core::DecodeStatus::kNaN);
	EXPECT_EQ(Decode(Message(1, 0, {0x7f800000})).result.status, core::DecodeStatus::kInfinite);
	EXPECT_EQ(Decode(Message(2, 0, {0x3f800000, 0xff800000})).result.status, core::DecodeStatus::kInfinite);
}

TEST(DecodeVectorBinary, RoundTripsThroughEncode)
{
	const std::vector<float> x = {0.0f, -0.0f, 1.0f, -2.5f, std::numeric_limits<float>::denorm_min(),
								  std::numeric_limits<float>::max(), -std::numeric_limits<float>::min(), 1e-20f};
	const int	dim = static_cast<int>(x.size());
	Bytes		bytes(core::BinarySize(dim));

	ASSERT_EQ(core::EncodeVectorBinary(x.data(), dim, bytes.data()), bytes.size());
	EXPECT_EQ(bytes[0], 0);
	EXPECT_EQ(bytes[1], dim);
	EXPECT_EQ(bytes[2], 0);
	EXPECT_EQ(bytes[3], 0);

	Decoded		d = Decode(bytes, dim);

	ASSERT_EQ(d.result.status, core::DecodeStatus::kOk);
	ASSERT_EQ(d.values.size(), x.size());
	/* Bit-identical, so -0 stays -0 */
	EXPECT_EQ(std::memcmp(d.values.data(), x.data(), sizeof(float) * x.size()), 0);

	Bytes		again(core::BinarySize(dim));

	core::EncodeVectorBinary(d.values.data(), dim, again.data());
	EXPECT_EQ(again, bytes);
}
