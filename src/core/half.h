/*-------------------------------------------------------------------------
 *
 * half.h
 *		IEEE 754 binary16 ("half") values: conversion to and from float and
 *		double, and classification.
 *
 * A half is kept as its 16 bits (sign, 5 exponent bits with bias 15, 10
 * fraction bits), the storage of the halfvec type.  The conversions are
 * plain integer arithmetic on the bit patterns, so they give the exact IEEE
 * results on any CPU: widening is exact (every half is a float), narrowing
 * rounds to nearest with ties to even, gives subnormals below 2^-14 and
 * signed zero below half the smallest subnormal, and gives +-infinity from
 * 65520 up (the midpoint between 65504, the largest half, and 2^16).  NaN
 * stays NaN (quiet, sign kept).  The SIMD kernels convert with F16C or
 * AVX-512F, which round the same way; the unit tests check both agree.
 *
 * Header-only so casts and index preparation inline the conversion.
 *
 * IDENTIFICATION
 *		src/core/half.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_HALF_H
#define VECTORDB_HALF_H

#include <cstdint>
#include <cstring>

namespace vectordb::core {

/// Largest finite half, 65504.
constexpr float kHalfMax = 65504.0f;

/// Sign, exponent and fraction fields of a half.
constexpr std::uint16_t kHalfSignMask = 0x8000;
constexpr std::uint16_t kHalfExpMask = 0x7C00;
constexpr std::uint16_t kHalfFracMask = 0x03FF;

/// Whether the half is NaN.
constexpr bool
HalfIsNaN(std::uint16_t h)
{
	return (h & kHalfExpMask) == kHalfExpMask && (h & kHalfFracMask) != 0;
}

/// Whether the half is +-infinity.
constexpr bool
HalfIsInf(std::uint16_t h)
{
	return (h & 0x7FFF) == kHalfExpMask;
}

/// Whether the half is +0 or -0.
constexpr bool
HalfIsZero(std::uint16_t h)
{
	return (h & 0x7FFF) == 0;
}

/// The float equal to a half (exact).
inline float
HalfToFloat(std::uint16_t h)
{
	std::uint32_t sign = static_cast<std::uint32_t>(h & kHalfSignMask) << 16;
	std::uint32_t exp = (h & kHalfExpMask) >> 10;
	std::uint32_t frac = h & kHalfFracMask;
	std::uint32_t bits;
	float		result;

	if (exp == 0x1F)
		bits = sign | 0x7F800000u | (frac << 13);	/* infinity, or NaN with its payload */
	else if (exp != 0)
		bits = sign | ((exp + 127 - 15) << 23) | (frac << 13);
	else if (frac == 0)
		bits = sign;
	else
	{
		/* Subnormal: frac * 2^-24; shift the leading one up to the implicit bit */
		std::uint32_t float_exp = 127 - 14;

		while ((frac & 0x400) == 0)
		{
			frac <<= 1;
			float_exp--;
		}
		bits = sign | (float_exp << 23) | ((frac & kHalfFracMask) << 13);
	}
	std::memcpy(&result, &bits, sizeof(result));
	return result;
}

namespace half_detail {

/*
 * Rounds the magnitude of a binary floating-point value to a half, ties to
 * even.  Bits is the unsigned integer of the source format, kFracBits its
 * stored fraction width and kBias its exponent bias; magnitude is the value
 * with its sign bit cleared.  Returns the half's bits without sign.
 */
template <typename Bits, int kFracBits, int kBias>
constexpr std::uint16_t
RoundMagnitudeToHalf(Bits magnitude)
{
	constexpr int kExpBits = static_cast<int>(sizeof(Bits) * 8) - 1 - kFracBits;
	constexpr Bits kExpAll = ((Bits{1} << kExpBits) - 1) << kFracBits;
	constexpr int kDrop = kFracBits - 10;		/* fraction bits a normal half loses */
	/* Smallest source value that rounds to infinity: 65520 = (2 - 2^-11) * 2^15 */
	constexpr Bits kOverflow = (static_cast<Bits>(kBias + 15) << kFracBits) |
		(((Bits{1} << 11) - 1) << (kFracBits - 11));
	/* Smallest normal half, 2^-14 */
	constexpr Bits kMinNormal = static_cast<Bits>(kBias - 14) << kFracBits;

	if ((magnitude & kExpAll) == kExpAll)
	{
		/* Infinity stays infinite; NaN keeps its top payload bits and is made quiet */
		if ((magnitude & ~kExpAll) == 0)
			return kHalfExpMask;
		return static_cast<std::uint16_t>(kHalfExpMask | 0x200 | ((magnitude >> kDrop) & kHalfFracMask));
	}
	if (magnitude >= kOverflow)
		return kHalfExpMask;

	if (magnitude >= kMinNormal)
	{
		/* Rebias the exponent; a carry out of the fraction bumps the exponent, as it should */
		Bits		rebased = magnitude - (static_cast<Bits>(kBias - 15) << kFracBits);
		Bits		result = rebased >> kDrop;
		Bits		rest = rebased & ((Bits{1} << kDrop) - 1);
		constexpr Bits kHalfway = Bits{1} << (kDrop - 1);

		if (rest > kHalfway || (rest == kHalfway && (result & 1) != 0))
			result++;
		return static_cast<std::uint16_t>(result);
	}

	/*
	 * Subnormal half: the value in units of 2^-24 is significand *
	 * 2^(exp - kBias - kFracBits + 24); shift the significand right by the
	 * negated power and round.  Below 2^-25 the shift discards even the
	 * leading bit with nothing to round up: the result is zero.
	 */
	{
		int			exp = static_cast<int>(magnitude >> kFracBits);
		int			shift = kBias + kFracBits - 24 - exp;
		Bits		significand;
		Bits		result;
		Bits		rest;
		Bits		halfway;

		if (exp == 0 || shift > kFracBits + 1)
			return 0;			/* source subnormals and anything below 2^-25 */
		significand = (magnitude & ((Bits{1} << kFracBits) - 1)) | (Bits{1} << kFracBits);
		result = significand >> shift;
		rest = significand & ((Bits{1} << shift) - 1);
		halfway = Bits{1} << (shift - 1);
		if (rest > halfway || (rest == halfway && (result & 1) != 0))
			result++;			/* may reach 0x400, the smallest normal: still right */
		return static_cast<std::uint16_t>(result);
	}
}

}							// namespace half_detail

/// The half nearest to a float, ties to even; +-infinity past 65504.
inline std::uint16_t
FloatToHalf(float f)
{
	std::uint32_t bits;

	std::memcpy(&bits, &f, sizeof(bits));
	return static_cast<std::uint16_t>(((bits >> 16) & kHalfSignMask) |
									  half_detail::RoundMagnitudeToHalf<std::uint32_t, 23, 127>(bits & 0x7FFFFFFFu));
}

/// The half nearest to a double, ties to even, rounded once (no detour
/// through float, whose rounding could tip a tie).
inline std::uint16_t
DoubleToHalf(double d)
{
	std::uint64_t bits;

	std::memcpy(&bits, &d, sizeof(bits));
	return static_cast<std::uint16_t>(((bits >> 48) & kHalfSignMask) |
									  half_detail::RoundMagnitudeToHalf<std::uint64_t, 52, 1023>(bits & 0x7FFFFFFFFFFFFFFFull));
}

}							// namespace vectordb::core

#endif							/* VECTORDB_HALF_H */
