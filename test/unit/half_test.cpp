/*-------------------------------------------------------------------------
 *
 * half_test.cpp
 *		Unit tests for the float <-> binary16 conversions in core/half.h.
 *
 * Where the compiler has _Float16 (GCC 12 on x86-64 does), its conversions
 * (libgcc's correctly rounded soft-float code) are an independent reference;
 * the named cases below hold either way.
 *
 * IDENTIFICATION
 *		test/unit/half_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/half.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "core/cpp_only.h"

namespace core = vectordb::core;

namespace {

float
FloatFromBits(std::uint32_t bits)
{
	float		f;

	std::memcpy(&f, &bits, sizeof(f));
	return f;
}

/* Named values and their half encodings */
TEST(Half, KnownValues)
{
	EXPECT_EQ(core::FloatToHalf(0.0f), 0x0000);
	EXPECT_EQ(core::FloatToHalf(-0.0f), 0x8000);
	EXPECT_EQ(core::FloatToHalf(1.0f), 0x3C00);
	EXPECT_EQ(core::FloatToHalf(-2.0f), 0xC000);
	EXPECT_EQ(core::FloatToHalf(0.5f), 0x3800);
	EXPECT_EQ(core::FloatToHalf(0.1f), 0x2E66);
	EXPECT_EQ(core::FloatToHalf(1.0f / 3.0f), 0x3555);
	EXPECT_EQ(core::FloatToHalf(65504.0f), 0x7BFF);
	EXPECT_EQ(core::FloatToHalf(-65504.0f), 0xFBFF);
	EXPECT_EQ(core::FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);	/* smallest normal */
	EXPECT_EQ(core::FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);	/* smallest subnormal */
	EXPECT_EQ(core::FloatToHalf(std::ldexp(1023.0f, -24)), 0x03FF);	/* largest subnormal */

	EXPECT_EQ(core::HalfToFloat(0x3C00), 1.0f);
	EXPECT_EQ(core::HalfToFloat(0x7BFF), 65504.0f);
	EXPECT_EQ(core::HalfToFloat(0x0001), std::ldexp(1.0f, -24));
	EXPECT_EQ(core::HalfToFloat(0x03FF), std::ldexp(1023.0f, -24));
	EXPECT_EQ(core::HalfToFloat(0x8001), -std::ldexp(1.0f, -24));
	EXPECT_EQ(core::HalfToFloat(0x2E66), 0.0999755859375f);
	EXPECT_TRUE(std::signbit(core::HalfToFloat(0x8000)));
	EXPECT_EQ(core::HalfToFloat(0x7C00), std::numeric_limits<float>::infinity());
	EXPECT_EQ(core::HalfToFloat(0xFC00), -std::numeric_limits<float>::infinity());
	EXPECT_TRUE(std::isnan(core::HalfToFloat(0x7E00)));
	EXPECT_TRUE(std::isnan(core::HalfToFloat(0x7C01)));
}

/* Ties go to the even neighbour; anything past the tie goes up */
TEST(Half, RoundsToNearestEven)
{
	const float ulp1 = std::ldexp(1.0f, -10);	/* spacing of halves in [1, 2) */

	EXPECT_EQ(core::FloatToHalf(1.0f + ulp1 / 2), 0x3C00);	/* tie, 0x3C00 is even */
	EXPECT_EQ(core::FloatToHalf(1.0f + 3 * ulp1 / 2), 0x3C02);	/* tie, 0x3C02 is even */
	EXPECT_EQ(core::FloatToHalf(std::nextafter(1.0f + ulp1 / 2, 2.0f)), 0x3C01);
	EXPECT_EQ(core::FloatToHalf(std::nextafter(1.0f + ulp1 / 2, 0.0f)), 0x3C00);
	EXPECT_EQ(core::FloatToHalf(-(1.0f + ulp1 / 2)), 0xBC00);
	/* A carry out of the fraction moves to the next binade: 2 - ulp/4 rounds to 2 */
	EXPECT_EQ(core::FloatToHalf(2.0f - ulp1 / 4), 0x4000);
	EXPECT_EQ(core::FloatToHalf(2047.5f), 0x6800);	/* tie between 2047 and 2048: 2048 is even */
	EXPECT_EQ(core::FloatToHalf(2046.5f), 0x67FE);	/* tie between 2046 and 2047: 2046 is even */
}

/* Subnormals: units of 2^-24, ties to even, and the underflow edge at 2^-25 */
TEST(Half, Subnormals)
{
	const float unit = std::ldexp(1.0f, -24);

	EXPECT_EQ(core::FloatToHalf(unit / 2), 0x0000);		/* 2^-25: tie, 0 is even */
	EXPECT_EQ(core::FloatToHalf(-unit / 2), 0x8000);
	EXPECT_EQ(core::FloatToHalf(std::nextafter(unit / 2, 1.0f)), 0x0001);
	EXPECT_EQ(core::FloatToHalf(unit / 4), 0x0000);
	EXPECT_EQ(core::FloatToHalf(1.5f * unit), 0x0002);	/* tie between 1 and 2 units */
	EXPECT_EQ(core::FloatToHalf(2.5f * unit), 0x0002);	/* tie between 2 and 3 units */
	EXPECT_EQ(core::FloatToHalf(3.5f * unit), 0x0004);
	/* 1023.5 units: a tie that rounds up into the smallest normal */
	EXPECT_EQ(core::FloatToHalf(1023.5f * unit), 0x0400);
	EXPECT_EQ(core::FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
	EXPECT_EQ(core::FloatToHalf(std::numeric_limits<float>::min()), 0x0000);
	for (int k = 1; k < 1024; k++)
	{
		EXPECT_EQ(core::FloatToHalf(k * unit), k);
		EXPECT_EQ(core::HalfToFloat(static_cast<std::uint16_t>(k)), k * unit);
	}
}

/* 65520, the midpoint between 65504 and 2^16, is the first value that overflows */
TEST(Half, Overflow)
{
	EXPECT_EQ(core::FloatToHalf(65519.0f), 0x7BFF);
	EXPECT_EQ(core::FloatToHalf(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
	EXPECT_EQ(core::FloatToHalf(65520.0f), 0x7C00);
	EXPECT_EQ(core::FloatToHalf(-65520.0f), 0xFC00);
	EXPECT_EQ(core::FloatToHalf(70000.0f), 0x7C00);
	EXPECT_EQ(core::FloatToHalf(3.4e38f), 0x7C00);
	EXPECT_EQ(core::FloatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
	EXPECT_EQ(core::FloatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
	EXPECT_TRUE(core::HalfIsInf(core::FloatToHalf(70000.0f)));
	EXPECT_TRUE(core::HalfIsInf(core::DoubleToHalf(-1e300)));
	EXPECT_EQ(core::DoubleToHalf(65519.999999), 0x7BFF);
	EXPECT_EQ(core::DoubleToHalf(65520.0), 0x7C00);
}

/* NaN stays NaN, quiet, with its sign */
TEST(Half, NaN)
{
	std::uint16_t h = core::FloatToHalf(std::numeric_limits<float>::quiet_NaN());

	EXPECT_TRUE(core::HalfIsNaN(h));
	EXPECT_FALSE(core::HalfIsInf(h));
	EXPECT_TRUE(core::HalfIsNaN(core::FloatToHalf(FloatFromBits(0x7F800001))));	/* signaling, low payload */
	EXPECT_TRUE(core::HalfIsNaN(core::FloatToHalf(FloatFromBits(0xFFC00000))));
	EXPECT_NE(core::FloatToHalf(FloatFromBits(0xFFC00000)) & core::kHalfSignMask, 0);
	EXPECT_TRUE(core::HalfIsNaN(core::DoubleToHalf(std::numeric_limits<double>::quiet_NaN())));
	EXPECT_FALSE(core::HalfIsNaN(0x7C00));
	EXPECT_TRUE(core::HalfIsZero(0x8000));
	EXPECT_FALSE(core::HalfIsZero(0x0001));
}

/* Every one of the 65536 bit patterns widens and narrows back to itself */
TEST(Half, AllPatternsRoundTrip)
{
	for (std::uint32_t bits = 0; bits <= 0xFFFF; bits++)
	{
		std::uint16_t h = static_cast<std::uint16_t>(bits);
		float		f = core::HalfToFloat(h);

		if (core::HalfIsNaN(h))
		{
			EXPECT_TRUE(std::isnan(f)) << std::hex << bits;
			EXPECT_TRUE(core::HalfIsNaN(core::FloatToHalf(f))) << std::hex << bits;
			EXPECT_EQ(std::signbit(f), (h & core::kHalfSignMask) != 0);
			continue;
		}
		ASSERT_EQ(core::FloatToHalf(f), h) << std::hex << bits;
		ASSERT_EQ(core::DoubleToHalf(f), h) << std::hex << bits;
		/* Finite halves are ordered as their floats are */
		if (!core::HalfIsInf(h) && (h & 0x7FFF) < 0x7BFF)
		{
			ASSERT_GT(std::fabs(core::HalfToFloat(static_cast<std::uint16_t>(h + 1))), std::fabs(f));
		}
	}
}

/* Doubles round once: no detour through float, whose rounding could make a tie */
TEST(Half, DoubleRoundsOnce)
{
	double		above_tie = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);

	EXPECT_EQ(core::DoubleToHalf(above_tie), 0x3C01);
	/* through float the 2^-40 is lost and the tie goes to even */
	EXPECT_EQ(core::FloatToHalf(static_cast<float>(above_tie)), 0x3C00);
	EXPECT_EQ(core::DoubleToHalf(std::ldexp(1.0, -25)), 0x0000);
	EXPECT_EQ(core::DoubleToHalf(std::ldexp(1.0, -25) + std::ldexp(1.0, -60)), 0x0001);
	EXPECT_EQ(core::DoubleToHalf(std::numeric_limits<double>::denorm_min()), 0x0000);
	EXPECT_EQ(core::DoubleToHalf(-0.0), 0x8000);
}

#ifdef __FLT16_MAX__
std::uint32_t
BitsOf(float f)
{
	std::uint32_t bits;

	std::memcpy(&bits, &f, sizeof(bits));
	return bits;
}

/* Agrees with the compiler's _Float16 on every half and on random floats near the half range */
TEST(Half, MatchesFloat16)
{
	std::mt19937 rng(1616);

	for (std::uint32_t bits = 0; bits <= 0xFFFF; bits++)
	{
		std::uint16_t h = static_cast<std::uint16_t>(bits);
		_Float16	ref;

		if (core::HalfIsNaN(h))
			continue;
		std::memcpy(&ref, &h, sizeof(ref));
		ASSERT_EQ(BitsOf(core::HalfToFloat(h)), BitsOf(static_cast<float>(ref))) << std::hex << bits;
	}

	/* Exponents from 2^-30 to 2^17 with random fractions and signs: every rounding case */
	std::uniform_int_distribution<std::uint32_t> frac(0, 0x7FFFFF);
	std::uniform_int_distribution<std::uint32_t> exp(127 - 30, 127 + 17);

	for (int i = 0; i < 2000000; i++)
	{
		std::uint32_t bits = (rng() & 0x80000000u) | (exp(rng) << 23) | frac(rng);
		float		f = FloatFromBits(bits);
		_Float16	ref = static_cast<_Float16>(f);
		std::uint16_t ref_bits;

		std::memcpy(&ref_bits, &ref, sizeof(ref_bits));
		ASSERT_EQ(core::FloatToHalf(f), ref_bits) << std::hex << bits;

		double		d = static_cast<double>(f) + std::ldexp(static_cast<double>(f), -30) * ((rng() & 1) ? 1 : -1);
		_Float16	dref = static_cast<_Float16>(d);

		std::memcpy(&ref_bits, &dref, sizeof(ref_bits));
		ASSERT_EQ(core::DoubleToHalf(d), ref_bits) << d;
	}
}
#endif

}							// namespace
