/*-------------------------------------------------------------------------
 *
 * sparse_distance_test.cpp
 *		Unit tests for the sparse distances: they must agree with the dense
 *		kernels run on the same vectors written out in full.
 *
 * Two yardsticks: a dense loop that forms each term in float and sums in
 * double, which the merge must match bit for bit (the zeros it skips add
 * exactly nothing), and every dense kernel level this CPU supports, which
 * the merge must match to float precision.
 *
 * IDENTIFICATION
 *		test/unit/sparse_distance_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "distance/sparse.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "distance/distance.h"

#include "core/cpp_only.h"

namespace vectordb::simd {
namespace {

/* A sparse vector and the same vector written out densely */
struct Both
{
	std::vector<std::int32_t> indices;
	std::vector<float> values;
	std::vector<float> dense;

	SparseView View() const
	{
		return {indices.data(), values.data(), static_cast<int>(indices.size())};
	}
};

/* Each of dim elements is non-zero with probability density, in [-1, 1) */
Both
RandomSparse(std::mt19937 &rng, int dim, double density)
{
	std::bernoulli_distribution keep(density);
	std::uniform_real_distribution<float> value(-1.0f, 1.0f);
	Both		v;

	v.dense.assign(dim, 0.0f);
	for (int i = 0; i < dim; i++)
	{
		if (!keep(rng))
			continue;
		float		x = value(rng);

		if (x == 0.0f)
			continue;
		v.indices.push_back(i);
		v.values.push_back(x);
		v.dense[i] = x;
	}
	return v;
}

/* Builds a pair from explicit (index, value) lists */
Both
Make(int dim, const std::vector<std::int32_t> &indices, const std::vector<float> &values)
{
	Both		v = {indices, values, std::vector<float>(dim, 0.0f)};

	for (std::size_t i = 0; i < indices.size(); i++)
		v.dense[indices[i]] = values[i];
	return v;
}

/* Dense loops with float terms and a double sum, in index order */
double
DenseL2(const std::vector<float> &a, const std::vector<float> &b)
{
	double		sum = 0;

	for (std::size_t i = 0; i < a.size(); i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

double
DenseIp(const std::vector<float> &a, const std::vector<float> &b)
{
	double		sum = 0;

	for (std::size_t i = 0; i < a.size(); i++)
		sum += a[i] * b[i];
	return sum;
}

double
DenseL1(const std::vector<float> &a, const std::vector<float> &b)
{
	double		sum = 0;

	for (std::size_t i = 0; i < a.size(); i++)
		sum += std::fabs(a[i] - b[i]);
	return sum;
}

/* |got - want| <= tol * scale, or both NaN (cosine with a zero vector) */
::testing::AssertionResult
Near(const char *what, double got, double want, double scale, double tol)
{
	if (std::fabs(got - want) <= tol * scale || (std::isnan(got) && std::isnan(want)))
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << what << ": got " << got << ", want " << want;
}

}								// namespace

TEST(SparseDistance, MatchesDenseFloatTermsExactly)
{
	std::mt19937 rng(11);

	for (int dim : {1, 2, 7, 100, 1000, 16000})
	{
		for (double density : {0.0, 0.01, 0.3, 1.0})
		{
			SCOPED_TRACE("dim " + std::to_string(dim) + " density " + std::to_string(density));
			Both		a = RandomSparse(rng, dim, density);
			Both		b = RandomSparse(rng, dim, density);
			double		dot, aa, bb;

			EXPECT_EQ(SparseL2Squared(a.View(), b.View()), DenseL2(a.dense, b.dense));
			EXPECT_EQ(SparseInnerProduct(a.View(), b.View()), DenseIp(a.dense, b.dense));
			EXPECT_EQ(SparseL1(a.View(), b.View()), DenseL1(a.dense, b.dense));
			SparseCosineTerms(a.View(), b.View(), &dot, &aa, &bb);
			EXPECT_EQ(dot, DenseIp(a.dense, b.dense));
			EXPECT_EQ(aa, DenseIp(a.dense, a.dense));
			EXPECT_EQ(bb, DenseIp(b.dense, b.dense));
		}
	}
}

TEST(SparseDistance, AgreesWithEveryDenseKernelLevel)
{
	std::mt19937 rng(5);

	for (Level level : {Level::kScalar, Level::kAvx2, Level::kAvx512})
	{
		const Kernels *k = KernelsFor(level);

		if (k == nullptr)
			continue;
		SCOPED_TRACE(k->name);
		for (int dim : {3, 17, 784, 16000})
		{
			Both		a = RandomSparse(rng, dim, 0.2);
			Both		b = RandomSparse(rng, dim, 0.2);
			double		scale = 0;
			double		dot, aa, bb, kdot, kaa, kbb;

			/* A signed dot product's rounding scales with sum |a_i b_i| */
			for (int i = 0; i < dim; i++)
				scale += std::fabs(static_cast<double>(a.dense[i]) * b.dense[i]);

			double		l2 = SparseL2Squared(a.View(), b.View());
			double		l1 = SparseL1(a.View(), b.View());

			EXPECT_TRUE(Near("l2", l2, k->l2_squared(a.dense.data(), b.dense.data(), dim), l2, 1e-6));
			EXPECT_TRUE(Near("l1", l1, k->l1(a.dense.data(), b.dense.data(), dim), l1, 1e-6));
			EXPECT_TRUE(Near("ip", SparseInnerProduct(a.View(), b.View()),
							 k->inner_product(a.dense.data(), b.dense.data(), dim), scale, 1e-6));
			SparseCosineTerms(a.View(), b.View(), &dot, &aa, &bb);
			k->cosine_terms(a.dense.data(), b.dense.data(), dim, &kdot, &kaa, &kbb);
			EXPECT_TRUE(Near("cosine", CosineDistanceFromTerms(dot, aa, bb),
							 CosineDistanceFromTerms(kdot, kaa, kbb), 1, 1e-6));
		}
	}
}

TEST(SparseDistance, DisjointAndEmptyOperands)
{
	Both		a = Make(8, {0, 2, 4, 6}, {1, 3, 5, 7});
	Both		b = Make(8, {1, 3, 5, 7}, {2, 4, 6, 8});
	Both		empty = Make(8, {}, {});
	double		dot, aa, bb;

	EXPECT_EQ(SparseInnerProduct(a.View(), b.View()), 0.0);
	EXPECT_EQ(SparseL1(a.View(), b.View()), 36.0);
	EXPECT_EQ(SparseL2Squared(a.View(), b.View()), 204.0);
	EXPECT_EQ(SparseL1(empty.View(), b.View()), 20.0);
	EXPECT_EQ(SparseL2Squared(a.View(), empty.View()), 84.0);
	EXPECT_EQ(SparseInnerProduct(empty.View(), empty.View()), 0.0);

	/* Cosine with a zero vector is NaN, as for dense vectors */
	SparseCosineTerms(a.View(), empty.View(), &dot, &aa, &bb);
	EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(dot, aa, bb)));
}

TEST(SparseDistance, OverflowingTermsAreInfiniteAsInTheSimdKernels)
{
	Both		big = Make(1, {0}, {3e38f});
	Both		neg = Make(1, {0}, {-3e38f});
	double		dot, aa, bb;

	EXPECT_TRUE(std::isinf(SparseInnerProduct(big.View(), big.View())));
	EXPECT_TRUE(std::isinf(SparseL1(big.View(), neg.View())));
	SparseCosineTerms(big.View(), big.View(), &dot, &aa, &bb);
	EXPECT_TRUE(std::isnan(CosineDistanceFromTerms(dot, aa, bb)));

	/* The norm forms its terms in double and stays finite */
	Both		v = Make(2, {0, 1}, {3e37f, 4e37f});
	EXPECT_NEAR(std::sqrt(SparseSquaredNorm(v.View())), 5e37, 5e37 * 1e-7);
	EXPECT_EQ(SparseSquaredNorm(Make(4, {}, {}).View()), 0.0);
}

}								// namespace vectordb::simd
