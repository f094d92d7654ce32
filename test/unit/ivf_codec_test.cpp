/*-------------------------------------------------------------------------
 *
 * ivf_codec_test.cpp
 *		Unit tests of the IVF codes: SQ8 kernels at every level, encoding,
 *		and query-to-code distances against decoded reference vectors.
 *
 * IDENTIFICATION
 *		test/unit/ivf_codec_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "distance/distance.h"
#include "ivf/ivf_codec.h"

#include "core/cpp_only.h"

namespace vectordb::ivf {
namespace {

std::vector<float>
RandomVector(std::mt19937 &rng, std::size_t n, float lo, float hi)
{
	std::uniform_real_distribution<float> dist(lo, hi);
	std::vector<float> v(n);

	for (auto &x : v)
		x = dist(rng);
	return v;
}

double
ReferenceL2(const std::vector<float> &a, const std::vector<double> &b)
{
	double		sum = 0;

	for (std::size_t i = 0; i < a.size(); i++)
		sum += (a[i] - b[i]) * (a[i] - b[i]);
	return sum;
}

double
ReferenceDot(const std::vector<float> &a, const std::vector<double> &b)
{
	double		sum = 0;

	for (std::size_t i = 0; i < a.size(); i++)
		sum += a[i] * b[i];
	return sum;
}

class Sq8KernelTest : public ::testing::TestWithParam<simd::Level> {};

/* Every level's SQ8 kernels agree with a double-precision loop */
TEST_P(Sq8KernelTest, MatchesReference)
{
	const simd::Kernels *k = simd::KernelsFor(GetParam());
	std::mt19937 rng(7);

	if (k == nullptr)
		GTEST_SKIP() << "level not supported here";
	for (std::size_t n : {1, 7, 8, 15, 16, 17, 33, 784, 16000})
	{
		auto		a = RandomVector(rng, n, -2, 2);
		auto		b = RandomVector(rng, n, 0, 0.02f);
		std::vector<std::uint8_t> code(n);
		double		l2 = 0;
		double		dot = 0;

		for (std::size_t i = 0; i < n; i++)
		{
			code[i] = static_cast<std::uint8_t>(rng() % 256);
			l2 += (a[i] - (double) b[i] * code[i]) * (a[i] - (double) b[i] * code[i]);
			dot += (double) a[i] * code[i];
		}
		EXPECT_NEAR(k->sq8_l2(a.data(), b.data(), code.data(), n), l2, 1e-4 * l2 + 1e-6) << n;
		EXPECT_NEAR(k->sq8_dot(a.data(), code.data(), n), dot, 1e-4 * std::fabs(dot) + 1e-3) << n;
	}
}

INSTANTIATE_TEST_SUITE_P(AllLevels, Sq8KernelTest,
						 ::testing::Values(simd::Level::kScalar, simd::Level::kAvx2,
										   simd::Level::kAvx512));

/* sq8: decoded values are within half a step; distances are to the decoded vector */
TEST(Sq8Codec, EncodesWithinHalfAStepAndMeasuresTheDecodedVector)
{
	const std::size_t dims = 100;
	std::mt19937 rng(11);
	std::vector<float> codebook(2 * dims);

	for (std::size_t i = 0; i < dims; i++)
	{
		codebook[i] = -1.0f - (float) i / dims;	/* vmin */
		codebook[dims + i] = 2.0f + (float) i / 10; /* vdiff */
	}
	for (simd::Metric metric : {simd::Metric::kL2Squared, simd::Metric::kNegativeInnerProduct})
	{
		Codec		codec{Quantizer::kSq8, metric, dims, 0, codebook.data()};
		std::vector<float> space(QueryTableFloats(codec));
		QueryTable	table;
		auto		x = RandomVector(rng, dims, -1, 1);
		auto		q = RandomVector(rng, dims, -3, 3);
		std::vector<std::uint8_t> code(CodeSize(Quantizer::kSq8, dims, 0));
		std::vector<double> decoded(dims);

		ASSERT_EQ(code.size(), dims);
		Encode(codec, x.data(), code.data());
		for (std::size_t i = 0; i < dims; i++)
		{
			decoded[i] = codebook[i] + code[i] * (double) codebook[dims + i] / 255.0;
			EXPECT_LE(std::fabs(decoded[i] - x[i]), codebook[dims + i] / 255.0 / 2 + 1e-5);
		}
		PrepareQuery(codec, q.data(), space.data(), &table);
		double		expected = metric == simd::Metric::kL2Squared ?
			ReferenceL2(q, decoded) : -ReferenceDot(q, decoded);

		EXPECT_NEAR(CodeDistance(codec, table, q.data(), code.data()), expected,
					1e-4 * std::fabs(expected) + 1e-4);
	}
}

/* sq8: values outside the trained range, and NaN, clamp into the code range */
TEST(Sq8Codec, ClampsOutOfRangeValues)
{
	const float codebook[] = {0, 0, 0, 1, 1, 0};	/* vmin 0; vdiff 1, 1, 0 */
	Codec		codec{Quantizer::kSq8, simd::Metric::kL2Squared, 3, 0, codebook};
	const float x[] = {-5, NAN, 7};
	const float y[] = {5, 0.5f, 7};
	std::uint8_t code[3];

	Encode(codec, x, code);
	EXPECT_EQ(code[0], 0);
	EXPECT_EQ(code[1], 0);
	EXPECT_EQ(code[2], 0);		/* a constant dimension codes as 0 */
	Encode(codec, y, code);
	EXPECT_EQ(code[0], 255);
	EXPECT_EQ(code[1], 128);
}

/* pq: codes pick the nearest centroid of each slice; distances equal the
 * distance to the reconstruction */
TEST(PqCodec, EncodesNearestCentroidsAndMeasuresTheReconstruction)
{
	const std::size_t dims = 32;
	const std::size_t m = 4;
	const std::size_t dsub = dims / m;
	std::mt19937 rng(3);
	auto		codebook = RandomVector(rng, kPqCentroids * dims, -1, 1);

	for (simd::Metric metric : {simd::Metric::kL2Squared, simd::Metric::kNegativeInnerProduct})
	{
		Codec		codec{Quantizer::kPq, metric, dims, m, codebook.data()};
		std::vector<float> space(QueryTableFloats(codec));
		QueryTable	table;
		std::vector<float> x(dims);
		auto		q = RandomVector(rng, dims, -1, 1);
		std::vector<std::uint8_t> code(CodeSize(Quantizer::kPq, dims, m));
		std::vector<double> rebuilt(dims);
		const std::uint8_t chosen[] = {3, 250, 0, 77};

		ASSERT_EQ(code.size(), m);
		/* x is made of centroids, slightly moved: encoding must find them */
		for (std::size_t j = 0; j < m; j++)
			for (std::size_t t = 0; t < dsub; t++)
				x[j * dsub + t] = codebook[(j * kPqCentroids + chosen[j]) * dsub + t] + 1e-4f;
		Encode(codec, x.data(), code.data());
		for (std::size_t j = 0; j < m; j++)
		{
			EXPECT_EQ(code[j], chosen[j]);
			for (std::size_t t = 0; t < dsub; t++)
				rebuilt[j * dsub + t] = codebook[(j * kPqCentroids + code[j]) * dsub + t];
		}
		PrepareQuery(codec, q.data(), space.data(), &table);
		double		expected = metric == simd::Metric::kL2Squared ?
			ReferenceL2(q, rebuilt) : -ReferenceDot(q, rebuilt);

		EXPECT_NEAR(CodeDistance(codec, table, q.data(), code.data()), expected, 1e-4);
	}
}

/* flat: the code is the vector and the distance is exact */
TEST(FlatCodec, IsTheVector)
{
	std::mt19937 rng(5);
	auto		x = RandomVector(rng, 20, -1, 1);
	auto		q = RandomVector(rng, 20, -1, 1);
	Codec		codec{Quantizer::kFlat, simd::Metric::kL2Squared, 20, 0, nullptr};
	std::vector<std::uint8_t> code(CodeSize(Quantizer::kFlat, 20, 0));
	QueryTable	table;

	ASSERT_EQ(QueryTableFloats(codec), 0u);
	Encode(codec, x.data(), code.data());
	PrepareQuery(codec, q.data(), nullptr, &table);
	EXPECT_DOUBLE_EQ(CodeDistance(codec, table, q.data(), code.data()),
					 simd::PartialDistance(simd::Metric::kL2Squared, q.data(), x.data(), 20));
}

/* flat halves and bits: half or a 32nd of the float code's bytes, and the
 * distance is that of the stored values (halves rounded, bits as 0/1) */
TEST(FlatCodec, HalvesAndBits)
{
	std::mt19937 rng(6);
	auto		x = RandomVector(rng, 21, -1, 1);
	auto		q = RandomVector(rng, 21, -1, 1);

	for (simd::Storage storage : {simd::Storage::kHalf, simd::Storage::kBit})
	{
		Codec		codec{Quantizer::kFlat, simd::Metric::kL2Squared, 21, 0, nullptr, storage};
		std::vector<std::uint8_t> code(CodeSize(Quantizer::kFlat, 21, 0, storage));
		std::vector<float> space(QueryTableFloats(codec));
		std::vector<float> xs(21);
		std::vector<float> qs(21);
		std::vector<std::uint32_t> words(simd::StoredWords(storage, 21));
		QueryTable	table;

		EXPECT_EQ(code.size(), storage == simd::Storage::kHalf ? 44u : 4u);
		Encode(codec, x.data(), code.data());
		PrepareQuery(codec, q.data(), space.data(), &table);
		/* what the code and the query hold, as floats */
		simd::EncodeStored(storage, x.data(), 21, words.data());
		simd::DecodeStored(storage, words.data(), 21, xs.data());
		simd::EncodeStored(storage, q.data(), 21, words.data());
		simd::DecodeStored(storage, words.data(), 21, qs.data());
		EXPECT_NEAR(CodeDistance(codec, table, q.data(), code.data()),
					simd::PartialDistance(simd::Metric::kL2Squared, qs.data(), xs.data(), 21), 1e-5);
	}
}

TEST(NearestCentroid, PicksTheClosest)
{
	const float centroids[] = {0, 0, 10, 10, -3, 4};
	const float x[] = {-2.5f, 3};

	EXPECT_EQ(NearestCentroid(simd::Metric::kL2Squared, centroids, 3, 2, x), 2u);
	/* by inner product, the centroid pointing most along x */
	EXPECT_EQ(NearestCentroid(simd::Metric::kNegativeInnerProduct, centroids, 3, 2, x), 2u);
	const float y[] = {1, 1};

	EXPECT_EQ(NearestCentroid(simd::Metric::kNegativeInnerProduct, centroids, 3, 2, y), 1u);
}

}  // namespace
}  // namespace vectordb::ivf
