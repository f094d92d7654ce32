/*-------------------------------------------------------------------------
 *
 * stored_test.cpp
 *		Unit tests for the stored vector forms of the index pages.
 *
 * For each storage and metric an index uses, on random vectors of lengths
 * that end inside a word and across many words: decoding gives back the
 * encoded values (the floats, the nearest halves, the 0/1 bits); a distance
 * summed over slices split at arbitrary words equals the one measured in
 * one piece and the float distance of the decoded vectors; and Jaccard,
 * which is not a sum, agrees with its float form over 0/1 vectors.  Sparse
 * records measure what the dense kernels measure on the vectors written out.
 *
 * IDENTIFICATION
 *		test/unit/stored_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/half.h"
#include "distance/distance.h"
#include "distance/stored.h"

#include "core/cpp_only.h"

namespace vectordb::simd {
namespace {

/* n random floats; for kBit, 0/1 values with about a third ones */
std::vector<float>
RandomVector(Storage storage, std::size_t n, std::mt19937 &rng)
{
	std::normal_distribution<float> normal(0.0f, 1.0f);
	std::vector<float> v(n);

	for (auto &x : v)
		x = storage == Storage::kBit ? (rng() % 3 == 0 ? 1.0f : 0.0f) : normal(rng);
	return v;
}

std::vector<std::uint32_t>
Encode(Storage storage, const std::vector<float> &v)
{
	std::vector<std::uint32_t> words(StoredWords(storage, v.size()));

	EncodeStored(storage, v.data(), v.size(), words.data());
	return words;
}

/* The distance of a and b summed over slices that end at the given words */
double
SlicedDistance(Storage storage, Metric metric, const std::vector<std::uint32_t> &a,
			   const std::vector<std::uint32_t> &b, std::size_t slice)
{
	StoredDistance acc;

	for (std::size_t done = 0; done < a.size(); done += slice)
		AccumulateStored(storage, metric, a.data() + done, b.data() + done,
						 std::min(slice, a.size() - done), &acc);
	return FinishStored(metric, acc);
}

TEST(StoredTest, WordsPerVector)
{
	EXPECT_EQ(StoredWords(Storage::kFloat, 784), 784u);
	EXPECT_EQ(StoredWords(Storage::kHalf, 784), 392u);
	EXPECT_EQ(StoredWords(Storage::kHalf, 3), 2u);
	EXPECT_EQ(StoredWords(Storage::kBit, 1536), 48u);
	EXPECT_EQ(StoredWords(Storage::kBit, 33), 2u);
	EXPECT_EQ(StoredWords(Storage::kBit, 16000), 500u);
}

TEST(StoredTest, DecodeGivesTheEncodedValues)
{
	std::mt19937 rng(7);

	for (Storage storage : {Storage::kFloat, Storage::kHalf, Storage::kBit})
		for (std::size_t n : {1u, 3u, 31u, 33u, 784u, 1001u})
		{
			std::vector<float> v = RandomVector(storage, n, rng);
			std::vector<std::uint32_t> words = Encode(storage, v);
			std::vector<float> back(n);

			DecodeStored(storage, words.data(), n, back.data());
			for (std::size_t i = 0; i < n; i++)
			{
				float		expected = storage == Storage::kHalf ? core::HalfToFloat(core::FloatToHalf(v[i])) : v[i];

				ASSERT_EQ(back[i], expected) << "storage " << static_cast<int>(storage) << " n " << n << " i " << i;
			}
		}
}

TEST(StoredTest, SlicesAddUpToTheWholeDistance)
{
	struct Case
	{
		Storage		storage;
		Metric		metric;
	};
	const Case	cases[] = {
		{Storage::kFloat, Metric::kL2Squared}, {Storage::kFloat, Metric::kNegativeInnerProduct},
		{Storage::kFloat, Metric::kL1}, {Storage::kHalf, Metric::kL2Squared},
		{Storage::kHalf, Metric::kNegativeInnerProduct}, {Storage::kHalf, Metric::kL1},
		{Storage::kBit, Metric::kL2Squared}, {Storage::kBit, Metric::kJaccard},
	};
	std::mt19937 rng(11);

	for (const Case &c : cases)
		for (std::size_t n : {5u, 64u, 785u, 3001u})
		{
			std::vector<float> a = RandomVector(c.storage, n, rng);
			std::vector<float> b = RandomVector(c.storage, n, rng);
			std::vector<std::uint32_t> wa = Encode(c.storage, a);
			std::vector<std::uint32_t> wb = Encode(c.storage, b);
			std::vector<float> da(n);
			std::vector<float> db(n);
			double		whole = SlicedDistance(c.storage, c.metric, wa, wb, wa.size());

			DecodeStored(c.storage, wa.data(), n, da.data());
			DecodeStored(c.storage, wb.data(), n, db.data());
			/* the float distance of what the pages hold */
			EXPECT_NEAR(whole, PartialDistance(c.metric, da.data(), db.data(), n),
						1e-5 * (1.0 + std::fabs(whole)))
				<< "storage " << static_cast<int>(c.storage) << " metric " << static_cast<int>(c.metric) << " n " << n;
			for (std::size_t slice : {1u, 7u, 100u})
				EXPECT_NEAR(SlicedDistance(c.storage, c.metric, wa, wb, slice), whole,
							1e-5 * (1.0 + std::fabs(whole)))
					<< "slice " << slice;
		}
}

TEST(StoredTest, JaccardOfBits)
{
	/* {0,1,2,3} against {2,3,4}: 2 shared of 5 */
	std::vector<float> a(40, 0.0f);
	std::vector<float> b(40, 0.0f);
	std::vector<float> none(40, 0.0f);

	a[0] = a[1] = a[2] = a[3] = 1.0f;
	b[2] = b[3] = b[4] = 1.0f;
	EXPECT_DOUBLE_EQ(SlicedDistance(Storage::kBit, Metric::kJaccard, Encode(Storage::kBit, a),
									Encode(Storage::kBit, b), 1), 1.0 - 2.0 / 5.0);
	EXPECT_DOUBLE_EQ(PartialDistance(Metric::kJaccard, a.data(), b.data(), 40), 1.0 - 2.0 / 5.0);
	/* nothing shared, including two empty sets: 1, as jaccard_distance() */
	EXPECT_DOUBLE_EQ(SlicedDistance(Storage::kBit, Metric::kJaccard, Encode(Storage::kBit, none),
									Encode(Storage::kBit, none), 2), 1.0);
	EXPECT_DOUBLE_EQ(SlicedDistance(Storage::kBit, Metric::kJaccard, Encode(Storage::kBit, a),
									Encode(Storage::kBit, a), 2), 0.0);
	/* Hamming: bits 0, 1 and 4 differ */
	EXPECT_DOUBLE_EQ(SlicedDistance(Storage::kBit, Metric::kL2Squared, Encode(Storage::kBit, a),
									Encode(Storage::kBit, b), 1), 3.0);
}

/* nnz random non-zeros among dims dimensions: sorted indices, values */
void
RandomSparse(int dims, int nnz, std::mt19937 &rng, std::vector<std::int32_t> *indices,
			 std::vector<float> *values, std::vector<float> *dense)
{
	std::normal_distribution<float> normal(0.0f, 1.0f);

	dense->assign(dims, 0.0f);
	indices->clear();
	values->clear();
	while ((int) indices->size() < nnz)
	{
		int			i = (int) (rng() % dims);

		if ((*dense)[i] != 0.0f)
			continue;
		(*dense)[i] = normal(rng);
		indices->push_back(i);
	}
	std::sort(indices->begin(), indices->end());
	for (auto i : *indices)
		values->push_back((*dense)[i]);
}

TEST(StoredTest, DotDenseIgnoresIndicesOutOfRange)
{
	std::vector<float> dense(8, 1.0f);
	std::int32_t indices[] = {2, 7, 9};
	float		values[] = {2.0f, 3.0f, 100.0f};
	std::vector<std::uint32_t> record(SparseRecordWords(3));

	EncodeSparseRecord(indices, values, 3, record.data());
	EXPECT_EQ(SparseRecordDotDense(dense.data(), dense.size(), record.data()), 5.0);
}

TEST(StoredTest, SparseRecordsMeasureAsDense)
{
	std::mt19937 rng(11);
	const int	dims = 3000;

	for (int nnz_a : {0, 1, 17, 300})
		for (int nnz_b : {0, 5, 300, 2999})
		{
			std::vector<std::int32_t> ia, ib;
			std::vector<float> va, vb, da, db;

			RandomSparse(dims, nnz_a, rng, &ia, &va, &da);
			RandomSparse(dims, nnz_b, rng, &ib, &vb, &db);

			std::vector<std::uint32_t> ra(SparseRecordWords(nnz_a));
			std::vector<std::uint32_t> rb(SparseRecordWords(nnz_b) + 40);

			EncodeSparseRecord(ia.data(), va.data(), nnz_a, ra.data());
			EncodeSparseRecord(ib.data(), vb.data(), nnz_b, rb.data());
			EXPECT_EQ(SparseRecordNnz(ra[0]), nnz_a);
			EXPECT_EQ(SparseRecordCapacity(ra[0]), nnz_a);
			/* a record in a larger space: the capacity does not count */
			rb[0] = SparseRecordHeader(nnz_b, nnz_b + 20);
			EXPECT_EQ(SparseRecordNnz(rb[0]), nnz_b);
			for (Metric metric : {Metric::kL2Squared, Metric::kNegativeInnerProduct, Metric::kL1})
			{
				double		dense = PartialDistance(metric, da.data(), db.data(), dims);
				double		sparse = SparseRecordDistance(metric, ra.data(), rb.data());

				/* the SIMD kernels sum in float lanes, the merge in double */
				EXPECT_NEAR(sparse, dense, 1e-5 * std::max(1.0, std::fabs(dense)))
					<< "nnz " << nnz_a << " and " << nnz_b << ", metric " << (int) metric;
				EXPECT_DOUBLE_EQ(SparseRecordDistance(metric, rb.data(), ra.data()), sparse);
			}
			/* a query written out measures the same inner product, to the bit */
			EXPECT_EQ(-SparseRecordDotDense(da.data(), dims, rb.data()),
					  SparseRecordDistance(Metric::kNegativeInnerProduct, ra.data(), rb.data()));
		}
}

}							// namespace
}							// namespace vectordb::simd
