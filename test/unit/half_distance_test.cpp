/*-------------------------------------------------------------------------
 *
 * half_distance_test.cpp
 *		Unit tests for the half-precision distance kernels and their
 *		dispatch.
 *
 * Every level this CPU supports is compared against the scalar reference
 * table and against a long double sum computed here from the widened halves,
 * on the lengths distance_test.cpp uses (every tail up to two AVX-512
 * registers, real embedding sizes, 16000).  Levels the CPU lacks are
 * skipped, not failed.
 *
 * IDENTIFICATION
 *		test/unit/half_distance_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/half.h"
#include "distance/distance.h"
#include "distance/half_distance.h"

#include "core/cpp_only.h"

namespace vectordb::simd {
namespace {

/* Relative agreement demanded of every kernel, as for the float kernels */
constexpr double kRelTol = 1e-5;

const std::size_t kLengths[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	31, 33, 63, 64, 65, 100, 784, 1536, 3072, 16000,
};

/* Read before main(): g_active_half needs no constructor */
const Level kHalfLevelAtStartup = ActiveHalf().level;

struct Reference
{
	long double l2 = 0;
	long double ip = 0;
	long double ip_abs = 0;
	long double l1 = 0;
	long double aa = 0;
	long double bb = 0;
};

Reference
ComputeReference(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	Reference	r;

	for (std::size_t i = 0; i < n; i++)
	{
		long double x = core::HalfToFloat(a[i]);
		long double y = core::HalfToFloat(b[i]);

		r.l2 += (x - y) * (x - y);
		r.ip += x * y;
		r.ip_abs += std::fabs(x * y);
		r.l1 += std::fabs(x - y);
		r.aa += x * x;
		r.bb += y * y;
	}
	return r;
}

/* Fills v with the halves nearest to uniform floats in [lo, hi) */
void
FillUniform(std::mt19937 &rng, std::vector<std::uint16_t> &v, float lo, float hi)
{
	std::uniform_real_distribution<float> dist(lo, hi);

	for (std::uint16_t &x : v)
		x = core::FloatToHalf(dist(rng));
}

::testing::AssertionResult
Near(const char *what, double got, long double want, long double scale)
{
	long double err = std::fabs(static_cast<long double>(got) - want);

	if (err <= kRelTol * scale)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
		<< what << ": got " << got << ", want " << static_cast<double>(want)
		<< ", error " << static_cast<double>(err / scale) << " of scale "
		<< static_cast<double>(scale);
}

class HalfKernelTest : public ::testing::TestWithParam<Level>
{
protected:
	void SetUp() override
	{
		kernels_ = HalfKernelsFor(GetParam());
		if (kernels_ == nullptr)
			GTEST_SKIP() << "level " << static_cast<int>(GetParam())
				<< " not supported by this CPU or OS";
	}

	/* All four kernels against the long double sums and the scalar table */
	void CheckAll(const std::uint16_t *a, const std::uint16_t *b, std::size_t n,
				  bool same_sign_products)
	{
		SCOPED_TRACE("n = " + std::to_string(n));
		const HalfKernels *ref = HalfKernelsFor(Level::kScalar);
		Reference	r = ComputeReference(a, b, n);
		long double ip_scale = same_sign_products ? std::fabs(r.ip) : r.ip_abs;
		double		dot, aa, bb;
		double		rdot, raa, rbb;

		EXPECT_TRUE(Near("l2_squared", kernels_->l2_squared(a, b, n), r.l2, r.l2));
		EXPECT_TRUE(Near("l1", kernels_->l1(a, b, n), r.l1, r.l1));
		EXPECT_TRUE(Near("inner_product", kernels_->inner_product(a, b, n), r.ip, ip_scale));
		kernels_->cosine_terms(a, b, n, &dot, &aa, &bb);
		EXPECT_TRUE(Near("cosine_terms dot", dot, r.ip, ip_scale));
		EXPECT_TRUE(Near("cosine_terms norm_a", aa, r.aa, r.aa));
		EXPECT_TRUE(Near("cosine_terms norm_b", bb, r.bb, r.bb));

		/* and the scalar reference table meets the same bound */
		EXPECT_TRUE(Near("scalar l2_squared", ref->l2_squared(a, b, n), r.l2, r.l2));
		EXPECT_TRUE(Near("scalar l1", ref->l1(a, b, n), r.l1, r.l1));
		EXPECT_TRUE(Near("scalar inner_product", ref->inner_product(a, b, n), r.ip, ip_scale));
		ref->cosine_terms(a, b, n, &rdot, &raa, &rbb);
		EXPECT_TRUE(Near("scalar cosine dot", rdot, r.ip, ip_scale));
		EXPECT_TRUE(Near("scalar cosine norm_a", raa, r.aa, r.aa));
	}

	const HalfKernels *kernels_ = nullptr;
};

TEST_P(HalfKernelTest, TableMatchesLevel)
{
	EXPECT_EQ(kernels_->level, GetParam());
	EXPECT_NE(kernels_->name, nullptr);
	EXPECT_NE(kernels_->l2_squared, nullptr);
	EXPECT_NE(kernels_->inner_product, nullptr);
	EXPECT_NE(kernels_->l1, nullptr);
	EXPECT_NE(kernels_->cosine_terms, nullptr);
	EXPECT_NE(kernels_->to_float, nullptr);
}

TEST_P(HalfKernelTest, SignedDataMatchesReference)
{
	std::mt19937 rng(20240601);

	for (std::size_t n : kLengths)
	{
		std::vector<std::uint16_t> a(n), b(n);

		FillUniform(rng, a, -1.0f, 1.0f);
		FillUniform(rng, b, -1.0f, 1.0f);
		CheckAll(a.data(), b.data(), n, false);
	}
}

TEST_P(HalfKernelTest, PositiveDataMatchesReference)
{
	std::mt19937 rng(8);

	for (std::size_t n : kLengths)
	{
		std::vector<std::uint16_t> a(n), b(n);

		FillUniform(rng, a, 0.0f, 1.0f);
		FillUniform(rng, b, 0.0f, 1.0f);
		CheckAll(a.data(), b.data(), n, true);
	}
}

/* Near the top of the half range, and subnormals: conversion must be exact at both ends */
TEST_P(HalfKernelTest, ExtremeMagnitudesMatchReference)
{
	std::mt19937 rng(65504);

	for (std::size_t n : kLengths)
	{
		std::vector<std::uint16_t> a(n), b(n), c(n), d(n);

		FillUniform(rng, a, 30000.0f, 65504.0f);
		FillUniform(rng, b, -65504.0f, -30000.0f);
		CheckAll(a.data(), b.data(), n, true);

		std::uniform_int_distribution<int> sub(1, 0x3FF);

		for (std::size_t i = 0; i < n; i++)
		{
			c[i] = static_cast<std::uint16_t>(sub(rng));
			d[i] = static_cast<std::uint16_t>(sub(rng) | 0x8000);
		}
		CheckAll(c.data(), d.data(), n, true);
	}
}

/* Pointers one half off any alignment */
TEST_P(HalfKernelTest, UnalignedPointers)
{
	std::mt19937 rng(4711);

	for (std::size_t n : kLengths)
	{
		std::vector<std::uint16_t> a(n + 1), b(n + 3);

		FillUniform(rng, a, -1.0f, 1.0f);
		FillUniform(rng, b, -1.0f, 1.0f);
		CheckAll(a.data() + 1, b.data() + 3, n, false);
	}
}

/* Arrays that end at an inaccessible page: a tail read one half too far crashes */
TEST_P(HalfKernelTest, NoReadPastEnd)
{
	const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	void	   *mem = mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(mem, MAP_FAILED);
	char	   *base = static_cast<char *>(mem);

	ASSERT_EQ(mprotect(base + 2 * page, page, PROT_NONE), 0);

	std::mt19937 rng(99);

	for (std::size_t n = 1; n <= 70; n++)
	{
		std::uint16_t *b = reinterpret_cast<std::uint16_t *>(base + 2 * page) - n;
		std::uint16_t *a = b - n;
		std::vector<std::uint16_t> va(n), vb(n);
		std::vector<float> out(n);

		FillUniform(rng, va, -1.0f, 1.0f);
		FillUniform(rng, vb, -1.0f, 1.0f);
		std::copy(va.begin(), va.end(), a);
		std::copy(vb.begin(), vb.end(), b);
		CheckAll(a, b, n, false);
		CheckAll(b, a, n, false);
		kernels_->to_float(b, out.data(), n);
		EXPECT_EQ(out.back(), core::HalfToFloat(vb.back()));
	}
	munmap(mem, 3 * page);
}

/* Widening every non-NaN bit pattern gives exactly the scalar conversion's float */
TEST_P(HalfKernelTest, ToFloatAllPatterns)
{
	std::vector<std::uint16_t> all(65536);
	std::vector<float> out(65536 + 1, 7.0f);

	for (std::uint32_t i = 0; i < 65536; i++)
		all[i] = static_cast<std::uint16_t>(i);
	/* an odd count, so every level's tail runs too */
	kernels_->to_float(all.data() + 1, out.data(), 65535);
	for (std::uint32_t i = 1; i < 65536; i++)
	{
		std::uint16_t h = static_cast<std::uint16_t>(i);
		float		want = core::HalfToFloat(h);
		float		got = out[i - 1];

		if (core::HalfIsNaN(h))
		{
			ASSERT_TRUE(std::isnan(got)) << std::hex << i;
		}
		else
		{
			ASSERT_EQ(std::memcmp(&got, &want, sizeof(float)), 0) << std::hex << i;
		}
	}
	EXPECT_EQ(out[65535], 7.0f);	/* nothing written past n */
}

TEST_P(HalfKernelTest, EmptyInputAndIdentical)
{
	std::uint16_t x = 0x3C00;
	double		dot = -1, aa = -1, bb = -1;
	std::mt19937 rng(3);

	EXPECT_EQ(kernels_->l2_squared(&x, &x, 0), 0.0);
	EXPECT_EQ(kernels_->inner_product(&x, &x, 0), 0.0);
	EXPECT_EQ(kernels_->l1(&x, &x, 0), 0.0);
	kernels_->cosine_terms(&x, &x, 0, &dot, &aa, &bb);
	EXPECT_EQ(dot, 0.0);
	EXPECT_EQ(aa, 0.0);
	EXPECT_EQ(bb, 0.0);

	for (std::size_t n : kLengths)
	{
		std::vector<std::uint16_t> a(n);

		FillUniform(rng, a, -1.0f, 1.0f);
		EXPECT_EQ(kernels_->l2_squared(a.data(), a.data(), n), 0.0) << "n = " << n;
		EXPECT_EQ(kernels_->l1(a.data(), a.data(), n), 0.0) << "n = " << n;
	}
}

/* The half kernels agree with the float kernels of the same level on the widened data */
TEST_P(HalfKernelTest, MatchesFloatKernels)
{
	const Kernels *fk = KernelsFor(GetParam());
	std::mt19937 rng(17);

	ASSERT_NE(fk, nullptr);
	for (std::size_t n : kLengths)
	{
		std::vector<std::uint16_t> a(n), b(n);
		std::vector<float> fa(n), fb(n);

		FillUniform(rng, a, -1.0f, 1.0f);
		FillUniform(rng, b, -1.0f, 1.0f);
		kernels_->to_float(a.data(), fa.data(), n);
		kernels_->to_float(b.data(), fb.data(), n);
		/* Same lanes, same order of sums: the same double, bit for bit */
		EXPECT_EQ(kernels_->l2_squared(a.data(), b.data(), n), fk->l2_squared(fa.data(), fb.data(), n)) << n;
		EXPECT_EQ(kernels_->inner_product(a.data(), b.data(), n), fk->inner_product(fa.data(), fb.data(), n)) << n;
		EXPECT_EQ(kernels_->l1(a.data(), b.data(), n), fk->l1(fa.data(), fb.data(), n)) << n;
	}
}

std::string
LevelName(const ::testing::TestParamInfo<Level> &info)
{
	switch (info.param)
	{
		case Level::kScalar:
			return "scalar";
		case Level::kAvx2:
			return "avx2";
		case Level::kAvx512:
			return "avx512";
	}
	return "unknown";
}

INSTANTIATE_TEST_SUITE_P(AllLevels, HalfKernelTest,
						 ::testing::Values(Level::kScalar, Level::kAvx2, Level::kAvx512),
						 LevelName);

TEST(HalfDispatch, ScalarBeforeInit)
{
	EXPECT_EQ(kHalfLevelAtStartup, Level::kScalar);
}

/* Init() and SetLevel() move the half kernels along with the float kernels */
TEST(HalfDispatch, FollowsFloatLevel)
{
	Init();
	EXPECT_LE(static_cast<int>(ActiveHalf().level), static_cast<int>(Active().level));
	EXPECT_EQ(&ActiveHalf(), HalfKernelsFor(ActiveHalf().level));
	for (int l = 0; l <= static_cast<int>(DetectLevel()); l++)
	{
		ASSERT_TRUE(SetLevel(static_cast<Level>(l)));
		EXPECT_LE(static_cast<int>(ActiveHalf().level), l);
		if (HalfKernelsFor(static_cast<Level>(l)) != nullptr)
		{
			EXPECT_EQ(ActiveHalf().level, static_cast<Level>(l));
		}
	}
	Init();
}

TEST(HalfDispatch, NoLevelAboveDetected)
{
	for (int l = static_cast<int>(DetectLevel()) + 1; l <= static_cast<int>(Level::kAvx512); l++)
		EXPECT_EQ(HalfKernelsFor(static_cast<Level>(l)), nullptr);
	EXPECT_NE(HalfKernelsFor(Level::kScalar), nullptr);
	EXPECT_EQ(HalfKernelsFor(static_cast<Level>(-1)), nullptr);
}

}							// namespace
}							// namespace vectordb::simd
