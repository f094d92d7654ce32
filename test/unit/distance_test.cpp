/*-------------------------------------------------------------------------
 *
 * distance_test.cpp
 *		Unit tests for the distance kernels and their dispatch.
 *
 * Every kernel of every level this CPU supports is compared against a
 * long double reference computed here, not against the scalar kernels, so
 * a bug shared by all levels would still show.  Levels the CPU lacks are
 * skipped, not failed: the AVX-512 cases run only on AVX-512 hardware.
 *
 * IDENTIFICATION
 *		test/unit/distance_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "distance/distance.h"

#include "core/cpp_only.h"

namespace vectordb::simd {
namespace {

/* Relative agreement demanded of every kernel, 16000 dims included */
constexpr double kRelTol = 1e-5;

/* Every tail length up to two AVX-512 registers, plus real embedding sizes */
const std::size_t kLengths[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	31, 33, 64, 100, 784, 1536, 16000,
};

/*
 * Read during static initialization, before main() and thus before any test
 * calls Init() or SetLevel(): proves g_active needs no constructor to run.
 */
const Level kLevelAtStartup = Active().level;

/* Sums computed in long double from the floats, as exactly as we can */
struct Reference
{
	long double l2 = 0;
	long double ip = 0;
	long double ip_abs = 0;		/* sum |a_i * b_i|: the scale of ip's error */
	long double l1 = 0;
	long double aa = 0;
	long double bb = 0;
};

/* Brute-force reference for one pair of arrays */
Reference
ComputeReference(const float *a, const float *b, std::size_t n)
{
	Reference	r;

	for (std::size_t i = 0; i < n; i++)
	{
		long double x = a[i];
		long double y = b[i];

		r.l2 += (x - y) * (x - y);
		r.ip += x * y;
		r.ip_abs += std::fabs(x * y);
		r.l1 += std::fabs(x - y);
		r.aa += x * x;
		r.bb += y * y;
	}
	return r;
}

/* Fills v with uniform floats in [lo, hi) */
void
FillUniform(std::mt19937 &rng, std::vector<float> &v, float lo, float hi)
{
	std::uniform_real_distribution<float> dist(lo, hi);

	for (float &x : v)
		x = dist(rng);
}

/* Passes when |got - want| <= kRelTol * scale */
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

/* Fixture parameterized by level; skips levels this CPU cannot run */
class KernelTest : public ::testing::TestWithParam<Level>
{
protected:
	void SetUp() override
	{
		kernels_ = KernelsFor(GetParam());
		if (kernels_ == nullptr)
			GTEST_SKIP() << "level " << static_cast<int>(GetParam())
				<< " not supported by this CPU or OS";
	}

	/* Checks all four kernels on a, b (n floats each) against the reference */
	void CheckAll(const float *a, const float *b, std::size_t n,
				  bool same_sign_products)
	{
		SCOPED_TRACE("n = " + std::to_string(n));
		Reference	r = ComputeReference(a, b, n);
		double		dot, aa, bb;

		EXPECT_TRUE(Near("l2_squared", kernels_->l2_squared(a, b, n), r.l2, r.l2));
		EXPECT_TRUE(Near("l1", kernels_->l1(a, b, n), r.l1, r.l1));

		/*
		 * A signed dot product can cancel to nearly zero, where no relative
		 * bound is meaningful; its rounding scales with sum |a_i * b_i|.
		 */
		long double ip_scale = same_sign_products ? std::fabs(r.ip) : r.ip_abs;

		EXPECT_TRUE(Near("inner_product", kernels_->inner_product(a, b, n),
						 r.ip, ip_scale));

		kernels_->cosine_terms(a, b, n, &dot, &aa, &bb);
		EXPECT_TRUE(Near("cosine_terms dot", dot, r.ip, ip_scale));
		EXPECT_TRUE(Near("cosine_terms norm_a", aa, r.aa, r.aa));
		EXPECT_TRUE(Near("cosine_terms norm_b", bb, r.bb, r.bb));
	}

	const Kernels *kernels_ = nullptr;
};

/* The table a level hands out says which level it is */
TEST_P(KernelTest, TableMatchesLevel)
{
	EXPECT_EQ(kernels_->level, GetParam());
	EXPECT_NE(kernels_->name, nullptr);
	EXPECT_NE(kernels_->l2_squared, nullptr);
	EXPECT_NE(kernels_->inner_product, nullptr);
	EXPECT_NE(kernels_->l1, nullptr);
	EXPECT_NE(kernels_->cosine_terms, nullptr);
}

/* Signed data in [-1, 1): products cancel, as in real embeddings */
TEST_P(KernelTest, SignedDataMatchesReference)
{
	std::mt19937 rng(20240501);

	for (std::size_t n : kLengths)
	{
		std::vector<float> a(n), b(n);

		FillUniform(rng, a, -1.0f, 1.0f);
		FillUniform(rng, b, -1.0f, 1.0f);
		CheckAll(a.data(), b.data(), n, false);
	}
}

/* Positive data: nothing cancels, so every result is held to plain 1e-5 relative */
TEST_P(KernelTest, PositiveDataMatchesReference)
{
	std::mt19937 rng(7);

	for (std::size_t n : kLengths)
	{
		std::vector<float> a(n), b(n);

		FillUniform(rng, a, 0.0f, 1.0f);
		FillUniform(rng, b, 0.0f, 1.0f);
		CheckAll(a.data(), b.data(), n, true);
	}
}

/* Large magnitudes with a common offset: float32 lanes would lose digits unblocked */
TEST_P(KernelTest, LargeMagnitudesMatchReference)
{
	std::mt19937 rng(99);

	for (std::size_t n : kLengths)
	{
		std::vector<float> a(n), b(n);

		FillUniform(rng, a, 1000.0f, 1001.0f);
		FillUniform(rng, b, -1001.0f, -1000.0f);
		CheckAll(a.data(), b.data(), n, true);
	}
}

/* Pointers one float off any vector alignment still give the right answers */
TEST_P(KernelTest, UnalignedPointers)
{
	std::mt19937 rng(31337);

	for (std::size_t n : kLengths)
	{
		std::vector<float> a(n + 1), b(n + 2);

		FillUniform(rng, a, -1.0f, 1.0f);
		FillUniform(rng, b, -1.0f, 1.0f);
		CheckAll(a.data() + 1, b.data() + 1, n, false);
		CheckAll(a.data() + 1, b.data() + 2, n, false);
	}
}

/*
 * Arrays that end exactly at an inaccessible page: a tail that read even one
 * float too far would crash here instead of passing silently.
 */
TEST_P(KernelTest, NoReadPastEnd)
{
	const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	void	   *mem = mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(mem, MAP_FAILED);
	char	   *base = static_cast<char *>(mem);

	/* Layout: [a's page][b's page][guard]; b ends at the guard, a ends at b */
	ASSERT_EQ(mprotect(base + 2 * page, page, PROT_NONE), 0);

	std::mt19937 rng(4242);

	for (std::size_t n = 1; n <= 40; n++)
	{
		float	   *b = reinterpret_cast<float *>(base + 2 * page) - n;
		float	   *a = b - n;
		std::vector<float> va(n), vb(n);

		FillUniform(rng, va, -1.0f, 1.0f);
		FillUniform(rng, vb, -1.0f, 1.0f);
		std::copy(va.begin(), va.end(), a);
		std::copy(vb.begin(), vb.end(), b);
		CheckAll(a, b, n, false);
		/* And with a as the array that touches the guard */
		CheckAll(b, a, n, false);
	}
	munmap(mem, 3 * page);
}

/* A zero-length call is valid and sums nothing */
TEST_P(KernelTest, EmptyInput)
{
	float		x = 1.0f;
	double		dot = -1, aa = -1, bb = -1;

	EXPECT_EQ(kernels_->l2_squared(&x, &x, 0), 0.0);
	EXPECT_EQ(kernels_->inner_product(&x, &x, 0), 0.0);
	EXPECT_EQ(kernels_->l1(&x, &x, 0), 0.0);
	kernels_->cosine_terms(&x, &x, 0, &dot, &aa, &bb);
	EXPECT_EQ(dot, 0.0);
	EXPECT_EQ(aa, 0.0);
	EXPECT_EQ(bb, 0.0);
}

/* Cosine distance through each level's terms: zero, identical, opposite */
TEST_P(KernelTest, CosineDistanceEdgeCases)
{
	std::mt19937 rng(5);

	for (std::size_t n : kLengths)
	{
		SCOPED_TRACE("n = " + std::to_string(n));
		std::vector<float> a(n), neg(n), zero(n, 0.0f);
		double		dot, na, nb;

		FillUniform(rng, a, -1.0f, 1.0f);
		for (std::size_t i = 0; i < n; i++)
			neg[i] = -a[i];

		kernels_->cosine_terms(a.data(), zero.data(), n, &dot, &na, &nb);
		EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(dot, na, nb)));
		kernels_->cosine_terms(zero.data(), a.data(), n, &dot, &na, &nb);
		EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(dot, na, nb)));

		kernels_->cosine_terms(a.data(), a.data(), n, &dot, &na, &nb);
		EXPECT_NEAR(CosineDistanceFromTerms(dot, na, nb), 0.0, 1e-6);

		kernels_->cosine_terms(a.data(), neg.data(), n, &dot, &na, &nb);
		EXPECT_NEAR(CosineDistanceFromTerms(dot, na, nb), 2.0, 1e-6);
	}
}

/* Identical inputs give exactly zero for the difference metrics */
TEST_P(KernelTest, IdenticalInputsGiveZeroDistance)
{
	std::mt19937 rng(11);

	for (std::size_t n : kLengths)
	{
		std::vector<float> a(n);

		FillUniform(rng, a, -1.0f, 1.0f);
		EXPECT_EQ(kernels_->l2_squared(a.data(), a.data(), n), 0.0) << "n = " << n;
		EXPECT_EQ(kernels_->l1(a.data(), a.data(), n), 0.0) << "n = " << n;
	}
}

/* Names test instances after the level, e.g. KernelTest.EmptyInput/avx2 */
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

INSTANTIATE_TEST_SUITE_P(AllLevels, KernelTest,
						 ::testing::Values(Level::kScalar, Level::kAvx2,
										   Level::kAvx512),
						 LevelName);

/* Similarity a hair beyond +-1 from rounding is clamped, keeping the distance in [0, 2] */
TEST(CosineDistanceFromTerms, ClampsToValidRange)
{
	EXPECT_EQ(CosineDistanceFromTerms(1.0 + 1e-12, 1.0, 1.0), 0.0);
	EXPECT_EQ(CosineDistanceFromTerms(-1.0 - 1e-12, 1.0, 1.0), 2.0);
	EXPECT_DOUBLE_EQ(CosineDistanceFromTerms(0.0, 4.0, 9.0), 1.0);
	EXPECT_DOUBLE_EQ(CosineDistanceFromTerms(3.0, 4.0, 9.0), 0.5);
}

/* Zero norm on either side is NaN, as in pgvector */
TEST(CosineDistanceFromTerms, ZeroNormIsNaN)
{
	EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(0.0, 0.0, 1.0)));
	EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(0.0, 1.0, 0.0)));
	EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(0.0, 0.0, 0.0)));
}

/* Before Init(), Active() is the scalar table */
TEST(Dispatch, ScalarBeforeInit)
{
	EXPECT_EQ(kLevelAtStartup, Level::kScalar);
}

/* Every level up to the detected one is available, none above it */
TEST(Dispatch, KernelsForFollowsDetectLevel)
{
	const int	detected = static_cast<int>(DetectLevel());

	for (int l = 0; l <= static_cast<int>(Level::kAvx512); l++)
	{
		const Kernels *k = KernelsFor(static_cast<Level>(l));

		if (l <= detected)
			EXPECT_NE(k, nullptr) << "level " << l;
		else
			EXPECT_EQ(k, nullptr) << "level " << l;
	}
	EXPECT_EQ(KernelsFor(static_cast<Level>(-1)), nullptr);
	EXPECT_EQ(KernelsFor(static_cast<Level>(99)), nullptr);
}

/* Init() installs the detected level */
TEST(Dispatch, InitPicksDetectedLevel)
{
	Init();
	EXPECT_EQ(Active().level, DetectLevel());
	EXPECT_EQ(&Active(), KernelsFor(DetectLevel()));
}

/* SetLevel() accepts supported levels and refuses others, leaving Active() alone */
TEST(Dispatch, SetLevelRefusesUnsupported)
{
	const int	detected = static_cast<int>(DetectLevel());

	for (int l = 0; l <= static_cast<int>(Level::kAvx512); l++)
	{
		const Level level = static_cast<Level>(l);

		ASSERT_TRUE(SetLevel(Level::kScalar));
		if (l <= detected)
		{
			EXPECT_TRUE(SetLevel(level));
			EXPECT_EQ(Active().level, level);
		}
		else
		{
			EXPECT_FALSE(SetLevel(level));
			EXPECT_EQ(Active().level, Level::kScalar);
		}
	}
	EXPECT_FALSE(SetLevel(static_cast<Level>(99)));
	EXPECT_EQ(Active().level, Level::kScalar);
	Init();
}

/* DetectLevel() is stable across calls (it is cached, and cpuid does not change) */
TEST(Dispatch, DetectLevelIsStable)
{
	EXPECT_EQ(DetectLevel(), DetectLevel());
	std::printf("detected level: %s\n", KernelsFor(DetectLevel())->name);
}

}							// namespace
}							// namespace vectordb::simd
