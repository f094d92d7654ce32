/*-------------------------------------------------------------------------
 *
 * bit_codec_test.cpp
 *		Unit tests for binary quantization and the 0/1 float expansion.
 *
 * IDENTIFICATION
 *		test/unit/bit_codec_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/bit_codec.h"
#include "distance/bit_distance.h"
#include "distance/distance.h"

#include "core/cpp_only.h"

namespace vectordb::core {
namespace {

/* Bit i of a Postgres-layout bit string */
bool
BitAt(const std::vector<std::uint8_t> &s, std::size_t i)
{
	return (s[i / 8] >> (7 - i % 8)) & 1;
}

/* Only values strictly greater than zero give a one */
TEST(BinaryQuantize, SignsAndSpecialValues)
{
	const float inf = std::numeric_limits<float>::infinity();
	const float x[] = {
		1.0f, -1.0f, 0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(),
		std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
		inf, -inf, 3.5f,
	};
	const bool	want[] = {true, false, false, false, false, true, false, true, false, true};
	std::vector<std::uint8_t> out(BitBytes(10), 0xFF);

	BinaryQuantize(x, 10, out.data());
	for (std::size_t i = 0; i < 10; i++)
		EXPECT_EQ(BitAt(out, i), want[i]) << "element " << i;
	/* 1000 0101 | 01 + zero padding */
	EXPECT_EQ(out[0], 0x85);
	EXPECT_EQ(out[1], 0x40);
}

/* Every length up to 200: each bit matches its element, padding is zero */
TEST(BinaryQuantize, RandomVectors)
{
	std::mt19937 rng(3);
	std::normal_distribution<float> normal(0.0f, 1.0f);

	for (std::size_t n = 0; n <= 200; n++)
	{
		std::vector<float> x(n);
		std::vector<std::uint8_t> out(BitBytes(n) + 1, 0xFF);

		for (float &v : x)
			v = normal(rng);
		BinaryQuantize(x.data(), n, out.data());
		for (std::size_t i = 0; i < n; i++)
			ASSERT_EQ(BitAt(out, i), x[i] > 0.0f) << "n = " << n << ", i = " << i;
		for (std::size_t i = n; i < BitBytes(n) * 8; i++)
			ASSERT_FALSE(BitAt(out, i)) << "padding bit " << i << " of n = " << n;
		/* nothing written past the string */
		ASSERT_EQ(out[BitBytes(n)], 0xFF) << "n = " << n;
	}
}

/* The expansion's squared L2 distance is the Hamming distance, exactly */
TEST(BitsToFloats, SquaredL2IsHamming)
{
	std::mt19937 rng(5);
	std::normal_distribution<float> normal(0.0f, 1.0f);

	for (std::size_t n : {1, 3, 8, 9, 100, 784, 1536, 16000})
	{
		std::vector<float> x(n), y(n), fx(n), fy(n);
		std::vector<std::uint8_t> bx(BitBytes(n)), by(BitBytes(n));

		for (std::size_t i = 0; i < n; i++)
		{
			x[i] = normal(rng);
			y[i] = normal(rng);
		}
		BinaryQuantize(x.data(), n, bx.data());
		BinaryQuantize(y.data(), n, by.data());
		BitsToFloats(bx.data(), n, fx.data());
		BitsToFloats(by.data(), n, fy.data());
		for (std::size_t i = 0; i < n; i++)
			ASSERT_EQ(fx[i], x[i] > 0.0f ? 1.0f : 0.0f);
		EXPECT_EQ(simd::Active().l2_squared(fx.data(), fy.data(), n),
				  static_cast<double>(simd::BitActive().hamming(bx.data(), by.data(), BitBytes(n))))
			<< "n = " << n;
	}
}

}							// namespace
}							// namespace vectordb::core
