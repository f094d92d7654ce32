/*-------------------------------------------------------------------------
 *
 * sparse_codec_test.cpp
 *		Unit tests for the sparse vector codec: text parsing and printing,
 *		binary decoding and encoding.
 *
 * IDENTIFICATION
 *		test/unit/sparse_codec_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/sparse_codec.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/cpp_only.h"

namespace core = vectordb::core;

namespace {

/* A sparse vector as a test sees it: dim and its (0-based index, value) pairs */
struct Sparse
{
	core::SparseParseStatus status;
	std::int64_t dim;
	std::vector<std::pair<std::int32_t, float>> entries;
};

/* Parses into a buffer of exactly the documented capacity */
Sparse
Parse(const std::string &text)
{
	std::vector<core::SparseEntry> buf(core::SparseEntryCapacity(text.c_str()));
	core::SparseParseResult r = core::ParseSparseText(text.c_str(), buf.data(), buf.size());
	Sparse		s = {r.status, r.dim, {}};

	if (r.status == core::SparseParseStatus::kOk)
		for (int i = 0; i < r.nnz; i++)
			s.entries.emplace_back(buf[i].index, buf[i].value);
	return s;
}

core::SparseParseStatus
Status(const std::string &text)
{
	return Parse(text).status;
}

std::string
Format(int dim, const std::vector<std::int32_t> &indices, const std::vector<float> &values)
{
	std::vector<char> buf(core::FormatSparseBufferSize(static_cast<int>(indices.size())));
	std::size_t len = core::FormatSparseText(dim, static_cast<int>(indices.size()), indices.data(),
											 values.data(), buf.data());

	EXPECT_LT(len, buf.size());
	EXPECT_EQ(std::strlen(buf.data()), len);
	return std::string(buf.data(), len);
}

using Bytes = std::vector<unsigned char>;

void
Put32(Bytes *bytes, std::uint32_t v)
{
	for (int shift = 24; shift >= 0; shift -= 8)
		bytes->push_back(static_cast<unsigned char>(v >> shift));
}

std::uint32_t
Bits(float value)
{
	std::uint32_t bits;

	std::memcpy(&bits, &value, sizeof(bits));
	return bits;
}

/* Header fields, then the indices and the value bit patterns, big-endian */
Bytes
Message(std::int32_t dim, std::int32_t nnz, std::int32_t unused, const std::vector<std::int32_t> &indices,
		const std::vector<std::uint32_t> &value_bits)
{
	Bytes		bytes;

	Put32(&bytes, static_cast<std::uint32_t>(dim));
	Put32(&bytes, static_cast<std::uint32_t>(nnz));
	Put32(&bytes, static_cast<std::uint32_t>(unused));
	for (std::int32_t index : indices)
		Put32(&bytes, static_cast<std::uint32_t>(index));
	for (std::uint32_t bits : value_bits)
		Put32(&bytes, bits);
	return bytes;
}

struct Decoded
{
	core::SparseDecodeResult result;
	std::vector<std::int32_t> indices;
	std::vector<float> values;
};

/* Decodes into buffers of exactly the documented capacity */
Decoded
Decode(const Bytes &bytes, int expected_dim = -1)
{
	std::size_t capacity = std::min<std::size_t>(core::kSparseMaxNnz,
												 core::SparseBinaryEntriesForLength(bytes.size()));
	std::vector<std::int32_t> indices(capacity);
	std::vector<float> values(capacity);
	core::SparseDecodeResult r = core::DecodeSparseBinary(bytes.data(), bytes.size(), indices.data(),
														  values.data(), expected_dim);
	std::size_t n = r.status == core::SparseDecodeStatus::kOk ? r.nnz : 0;

	indices.resize(n);
	values.resize(n);
	return {r, indices, values};
}

}								// namespace

TEST(ParseSparseText, AcceptsPgvectorForms)
{
	Sparse		s = Parse("{1:1.5,3:2}/5");

	ASSERT_EQ(s.status, core::SparseParseStatus::kOk);
	EXPECT_EQ(s.dim, 5);
	EXPECT_EQ(s.entries, (std::vector<std::pair<std::int32_t, float>>{{0, 1.5f}, {2, 2.0f}}));

	s = Parse(" { 1 : 1.5 ,\t3 :\n-3e2 } / 5 ");
	ASSERT_EQ(s.status, core::SparseParseStatus::kOk);
	EXPECT_EQ(s.entries, (std::vector<std::pair<std::int32_t, float>>{{0, 1.5f}, {2, -300.0f}}));

	for (const char *empty : {"{}/1", "{ }/3", " {}/ 1000000000 ", "{}/+7"})
	{
		s = Parse(empty);
		EXPECT_EQ(s.status, core::SparseParseStatus::kOk) << empty;
		EXPECT_TRUE(s.entries.empty()) << empty;
	}
	EXPECT_EQ(Parse("{}/1000000000").dim, 1000000000);
	EXPECT_EQ(Parse("{+2:1}/2").entries, (std::vector<std::pair<std::int32_t, float>>{{1, 1.0f}}));
}

TEST(ParseSparseText, SortsAndDropsZeros)
{
	Sparse		s = Parse("{5:5,1:1,3:0,2:-0,4:4}/5");

	ASSERT_EQ(s.status, core::SparseParseStatus::kOk);
	EXPECT_EQ(s.entries, (std::vector<std::pair<std::int32_t, float>>{{0, 1.0f}, {3, 4.0f}, {4, 5.0f}}));

	/* Underflow reads as zero, as the vector type reads it, and is dropped */
	s = Parse("{1:1e-46,2:1}/2");
	ASSERT_EQ(s.status, core::SparseParseStatus::kOk);
	EXPECT_EQ(s.entries, (std::vector<std::pair<std::int32_t, float>>{{1, 1.0f}}));

	/* Random order, each index once: the result is sorted */
	std::mt19937 rng(7);
	std::vector<int> order(1000);
	for (int i = 0; i < 1000; i++)
		order[i] = i + 1;
	std::shuffle(order.begin(), order.end(), rng);
	std::string text = "{";
	for (int i = 0; i < 1000; i++)
		text += (i ? "," : "") + std::to_string(order[i]) + ":" + std::to_string(order[i]);
	text += "}/1000";
	s = Parse(text);
	ASSERT_EQ(s.status, core::SparseParseStatus::kOk);
	ASSERT_EQ(s.entries.size(), 1000u);
	for (int i = 0; i < 1000; i++)
		EXPECT_EQ(s.entries[i], (std::pair<std::int32_t, float>{i, static_cast<float>(i + 1)}));
}

TEST(ParseSparseText, RejectsMalformedText)
{
	for (const char *bad : {"", " ", "{", "{ ", "{}", "{}/", "{}/1a", "{}/1 x", "{:}/1", "{,}/1", "{1,}/1",
							"{:1}/1", "{1:}/1", "{1a:1}/1", "{1:1a}/1", "{1:1,}/1", "{,1:1}/1", "{1:1,,2:1}/2",
							"{1 2:1}/2", "{1:1 2}/2", "{1:1}", "{1:1}5", "{1:1}//5", "[1,2]", "1:1/1",
							"{1.5:1}/2", "{1:1}/2.0", "{1:1}/0x10", "{0x1:1}/2", "{- 1:1}/2", "{1:1}/ - 2",
							"{1::1}/2", "{1:1:1}/2", "{1:hello}/2", "x{1:1}/2", "{1:1}}/2"})
		EXPECT_EQ(Status(bad), core::SparseParseStatus::kSyntax) << bad;
}

TEST(ParseSparseText, RejectsNonFiniteAndOutOfRange)
{
	EXPECT_EQ(Status("{1:NaN}/2"), core::SparseParseStatus::kNaN);
	EXPECT_EQ(Status("{1:1,2:inf}/2"), core::SparseParseStatus::kInfinite);
	EXPECT_EQ(Status("{1:-Infinity}/2"), core::SparseParseStatus::kInfinite);

	std::string text = "{1:1, 2:-4e38}/2";
	std::vector<core::SparseEntry> buf(core::SparseEntryCapacity(text.c_str()));
	core::SparseParseResult r = core::ParseSparseText(text.c_str(), buf.data(), buf.size());
	ASSERT_EQ(r.status, core::SparseParseStatus::kOutOfRange);
	EXPECT_EQ(text.substr(r.bad_offset, r.bad_length), "-4e38");
}

TEST(ParseSparseText, ChecksDimensionsAndIndices)
{
	EXPECT_EQ(Status("{}/0"), core::SparseParseStatus::kDimTooSmall);
	EXPECT_EQ(Status("{}/-1"), core::SparseParseStatus::kDimTooSmall);
	EXPECT_EQ(Status("{}/-99999999999999999999999"), core::SparseParseStatus::kDimTooSmall);
	EXPECT_EQ(Status("{}/1000000001"), core::SparseParseStatus::kDimTooLarge);
	EXPECT_EQ(Status("{}/2147483648"), core::SparseParseStatus::kDimTooLarge);
	EXPECT_EQ(Status("{}/99999999999999999999999"), core::SparseParseStatus::kDimTooLarge);
	/* The dimensions are checked before the indices they bound */
	EXPECT_EQ(Status("{0:1}/0"), core::SparseParseStatus::kDimTooSmall);

	std::string text = "{3:1, 0:1, -5:1, 9:1}/5";
	std::vector<core::SparseEntry> buf(core::SparseEntryCapacity(text.c_str()));
	core::SparseParseResult r = core::ParseSparseText(text.c_str(), buf.data(), buf.size());
	ASSERT_EQ(r.status, core::SparseParseStatus::kIndexTooSmall);
	EXPECT_EQ(r.index, -5);
	EXPECT_EQ(text.substr(r.bad_offset, r.bad_length), "-5");

	text = "{3:1, 9:1, 7:1}/5";
	buf.assign(core::SparseEntryCapacity(text.c_str()), {});
	r = core::ParseSparseText(text.c_str(), buf.data(), buf.size());
	ASSERT_EQ(r.status, core::SparseParseStatus::kIndexTooLarge);
	EXPECT_EQ(r.index, 9);
	EXPECT_EQ(text.substr(r.bad_offset, r.bad_length), "9");

	EXPECT_EQ(Status("{6:1}/5"), core::SparseParseStatus::kIndexTooLarge);
	EXPECT_EQ(Status("{2147483648:1}/5"), core::SparseParseStatus::kIndexTooLarge);
	EXPECT_EQ(Status("{99999999999999999999999:1}/5"), core::SparseParseStatus::kIndexTooLarge);
	EXPECT_EQ(Status("{-2147483649:1}/5"), core::SparseParseStatus::kIndexTooSmall);
	/* Range applies to zero values too: they are written, so they must make sense */
	EXPECT_EQ(Status("{0:0}/5"), core::SparseParseStatus::kIndexTooSmall);
	EXPECT_EQ(Status("{1000000000:1}/1000000000"), core::SparseParseStatus::kOk);
}

TEST(ParseSparseText, RejectsDuplicates)
{
	for (const char *dup : {"{1:1,1:1}/2", "{1:1,2:1,1:2}/2", "{2:0,2:1}/2", "{2:0,2:0}/2"})
	{
		std::vector<core::SparseEntry> buf(core::SparseEntryCapacity(dup));
		core::SparseParseResult r = core::ParseSparseText(dup, buf.data(), buf.size());

		EXPECT_EQ(r.status, core::SparseParseStatus::kDuplicate) << dup;
	}
	std::string text = "{1:1,2:1,2:3}/2";
	std::vector<core::SparseEntry> buf(core::SparseEntryCapacity(text.c_str()));
	EXPECT_EQ(core::ParseSparseText(text.c_str(), buf.data(), buf.size()).index, 2);
}

TEST(ParseSparseText, CountsOnlyNonZerosAgainstTheLimit)
{
	auto		text = [](int n, const char *value) {
		std::string s = "{";

		for (int i = 1; i <= n; i++)
			s += (i > 1 ? "," : "") + std::to_string(i) + ":" + value;
		return s + "}/100000";
	};
	Sparse		s = Parse(text(core::kSparseMaxNnz, "1"));

	EXPECT_EQ(s.status, core::SparseParseStatus::kOk);
	EXPECT_EQ(s.entries.size(), static_cast<std::size_t>(core::kSparseMaxNnz));
	EXPECT_EQ(Status(text(core::kSparseMaxNnz + 1, "1")), core::SparseParseStatus::kTooManyNonZeros);
	/* Zeros are dropped before they could count */
	s = Parse(text(core::kSparseMaxNnz + 1000, "0"));
	EXPECT_EQ(s.status, core::SparseParseStatus::kOk);
	EXPECT_TRUE(s.entries.empty());
}

TEST(ParseSparseText, RespectsCapacity)
{
	/* A capacity smaller than documented is refused, never overrun */
	std::string text = "{1:1,2:2,3:3}/3";
	std::vector<core::SparseEntry> buf(2);

	EXPECT_EQ(core::SparseEntryCapacity(text.c_str()), 4u);
	EXPECT_EQ(core::ParseSparseText(text.c_str(), buf.data(), buf.size()).status, core::SparseParseStatus::kSyntax);
}

TEST(FormatSparseText, PrintsOneBasedIndicesAndFloat4Values)
{
	EXPECT_EQ(Format(5, {0, 2}, {1.5f, 2.0f}), "{1:1.5,3:2}/5");
	EXPECT_EQ(Format(3, {}, {}), "{}/3");
	EXPECT_EQ(Format(1000000000, {999999999}, {-1.5e38f}), "{1000000000:-1.5e+38}/1000000000");
	EXPECT_EQ(Format(2, {0, 1}, {0.1f, 1e-45f}), "{1:0.1,2:1e-45}/2");
}

TEST(FormatSparseText, RoundTripsThroughTheParser)
{
	std::mt19937 rng(42);
	std::uniform_int_distribution<int> gap(1, 1000);
	std::uniform_real_distribution<float> mantissa(-1, 1);
	std::uniform_int_distribution<int> exponent(-40, 38);

	for (int round = 0; round < 50; round++)
	{
		std::vector<std::int32_t> indices;
		std::vector<float> values;
		std::int32_t index = -1;

		for (int i = 0; i < 300; i++)
		{
			float		value = mantissa(rng) * std::pow(10.0f, static_cast<float>(exponent(rng)));

			index += gap(rng);
			if (value == 0.0f || !std::isfinite(value))
				continue;
			indices.push_back(index);
			values.push_back(value);
		}
		int			dim = index + 1 + round;
		std::string text = Format(dim, indices, values);
		Sparse		s = Parse(text);

		ASSERT_EQ(s.status, core::SparseParseStatus::kOk) << text;
		ASSERT_EQ(s.dim, dim);
		ASSERT_EQ(s.entries.size(), indices.size());
		for (std::size_t i = 0; i < indices.size(); i++)
		{
			EXPECT_EQ(s.entries[i].first, indices[i]);
			EXPECT_EQ(Bits(s.entries[i].second), Bits(values[i])) << text;
		}
	}
}

TEST(DecodeSparseBinary, RoundTripsWithEncode)
{
	std::vector<std::int32_t> indices = {0, 7, 999999999};
	std::vector<float> values = {1.5f, -2.0f, std::numeric_limits<float>::denorm_min()};
	Bytes		bytes(core::SparseBinarySize(3));

	ASSERT_EQ(core::EncodeSparseBinary(1000000000, 3, indices.data(), values.data(), bytes.data()), bytes.size());
	EXPECT_EQ(bytes, Message(1000000000, 3, 0, indices, {Bits(1.5f), Bits(-2.0f), 1}));

	Decoded		d = Decode(bytes);
	ASSERT_EQ(d.result.status, core::SparseDecodeStatus::kOk);
	EXPECT_EQ(d.result.dim, 1000000000);
	EXPECT_EQ(d.indices, indices);
	EXPECT_EQ(d.values, values);

	d = Decode(Message(4, 0, 0, {}, {}));
	ASSERT_EQ(d.result.status, core::SparseDecodeStatus::kOk);
	EXPECT_EQ(d.result.nnz, 0);
	EXPECT_EQ(Decode(Message(4, 0, 0, {}, {}), 4).result.status, core::SparseDecodeStatus::kOk);
}

TEST(DecodeSparseBinary, RejectsEachBadMessageInOrder)
{
	using S = core::SparseDecodeStatus;
	const std::uint32_t one = Bits(1.0f);

	EXPECT_EQ(Decode({}).result.status, S::kTruncated);
	EXPECT_EQ(Decode(Bytes(11, 0)).result.status, S::kTruncated);
	EXPECT_EQ(Decode(Message(0, 0, 0, {}, {})).result.status, S::kDimTooSmall);
	EXPECT_EQ(Decode(Message(-1, 0, 0, {}, {})).result.status, S::kDimTooSmall);
	EXPECT_EQ(Decode(Message(1000000001, 0, 0, {}, {})).result.status, S::kDimTooLarge);
	EXPECT_EQ(Decode(Message(5, -1, 0, {}, {})).result.status, S::kNnzNegative);
	EXPECT_EQ(Decode(Message(100000, 16001, 0, {}, {})).result.status, S::kTooManyNonZeros);
	EXPECT_EQ(Decode(Message(2, 3, 0, {0, 1, 2}, {one, one, one})).result.status, S::kNnzExceedsDim);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {one}), 3).result.status, S::kDimMismatch);
	EXPECT_EQ(Decode(Message(2, 1, 1, {0}, {one})).result.status, S::kUnusedNonZero);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {})).result.status, S::kLengthMismatch);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {one, one})).result.status, S::kLengthMismatch);
	EXPECT_EQ(Decode(Message(2, 2, 0, {0}, {one})).result.status, S::kLengthMismatch);

	Decoded		d = Decode(Message(2, 1, 0, {2}, {one}));
	EXPECT_EQ(d.result.status, S::kIndexOutOfRange);
	EXPECT_EQ(d.result.index, 2);
	EXPECT_EQ(Decode(Message(2, 1, 0, {-1}, {one})).result.status, S::kIndexOutOfRange);
	EXPECT_EQ(Decode(Message(3, 2, 0, {1, 0}, {one, one})).result.status, S::kIndexNotAscending);
	d = Decode(Message(3, 2, 0, {1, 1}, {one, one}));
	EXPECT_EQ(d.result.status, S::kDuplicate);
	EXPECT_EQ(d.result.index, 1);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {0x7fc00000})).result.status, S::kNaN);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {0xff800000})).result.status, S::kInfinite);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {0})).result.status, S::kZeroValue);
	EXPECT_EQ(Decode(Message(2, 1, 0, {0}, {0x80000000})).result.status, S::kZeroValue);
}
