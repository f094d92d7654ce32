/*-------------------------------------------------------------------------
 *
 * stored.cpp
 *		Encoding, decoding and slice distances of stored index vectors.
 *
 * IDENTIFICATION
 *		src/distance/stored.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "distance/stored.h"

#include <cstring>

#include "core/bit_codec.h"
#include "core/half.h"
#include "distance/half_distance.h"
#include "distance/sparse.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

void
EncodeStored(Storage storage, const float *in, std::size_t dims, std::uint32_t *out) noexcept
{
	std::size_t words = StoredWords(storage, dims);

	switch (storage)
	{
		case Storage::kFloat:
			std::memcpy(out, in, dims * sizeof(float));
			return;
		case Storage::kHalf:
			{
				auto	   *halves = reinterpret_cast<std::uint16_t *>(out);

				for (std::size_t i = 0; i < dims; i++)
					halves[i] = core::FloatToHalf(in[i]);
				if (dims % 2 != 0)
					halves[dims] = 0;
				return;
			}
		case Storage::kBit:
			{
				auto	   *bytes = reinterpret_cast<std::uint8_t *>(out);
				std::size_t used = core::BitBytes(dims);

				core::BinaryQuantize(in, dims, bytes);
				std::memset(bytes + used, 0, words * sizeof(std::uint32_t) - used);
				return;
			}
		case Storage::kSparse:
			return;
	}
}

void
DecodeStored(Storage storage, const std::uint32_t *in, std::size_t dims, float *out) noexcept
{
	switch (storage)
	{
		case Storage::kFloat:
			std::memcpy(out, in, dims * sizeof(float));
			return;
		case Storage::kHalf:
			ActiveHalf().to_float(reinterpret_cast<const std::uint16_t *>(in), out, dims);
			return;
		case Storage::kBit:
			core::BitsToFloats(reinterpret_cast<const std::uint8_t *>(in), dims, out);
			return;
		case Storage::kSparse:
			return;
	}
}

void
AccumulateStored(Storage storage, Metric metric, const std::uint32_t *a,
				 const std::uint32_t *b, std::size_t words, StoredDistance *acc) noexcept
{
	switch (storage)
	{
		case Storage::kFloat:
			acc->sum += PartialDistance(metric, reinterpret_cast<const float *>(a),
										reinterpret_cast<const float *>(b), words);
			return;
		case Storage::kHalf:
			{
				const auto *ha = reinterpret_cast<const std::uint16_t *>(a);
				const auto *hb = reinterpret_cast<const std::uint16_t *>(b);
				const HalfKernels &k = ActiveHalf();

				/* padding halves are zero in both: they add nothing */
				if (metric == Metric::kL2Squared)
					acc->sum += k.l2_squared(ha, hb, 2 * words);
				else if (metric == Metric::kNegativeInnerProduct)
					acc->sum -= k.inner_product(ha, hb, 2 * words);
				else
					acc->sum += k.l1(ha, hb, 2 * words);
				return;
			}
		case Storage::kBit:
			{
				const auto *ba = reinterpret_cast<const std::uint8_t *>(a);
				const auto *bb = reinterpret_cast<const std::uint8_t *>(b);
				std::size_t bytes = words * sizeof(std::uint32_t);

				if (metric == Metric::kJaccard)
				{
					JaccardCounts c = BitActive().jaccard_counts(ba, bb, bytes);

					acc->counts.both += c.both;
					acc->counts.a += c.a;
					acc->counts.b += c.b;
				}
				else
					acc->sum += static_cast<double>(BitActive().hamming(ba, bb, bytes));
				return;
			}
		case Storage::kSparse:
			return;
	}
}

double
FinishStored(Metric metric, const StoredDistance &acc) noexcept
{
	return metric == Metric::kJaccard ? JaccardDistanceFromCounts(acc.counts) : acc.sum;
}

namespace {

SparseView
RecordView(const std::uint32_t *record)
{
	int			nnz = SparseRecordNnz(record[0]);

	return SparseView{reinterpret_cast<const std::int32_t *>(record + 1),
					  reinterpret_cast<const float *>(record + 1 + nnz), nnz};
}

}  // namespace

void
EncodeSparseRecord(const std::int32_t *indices, const float *values, int nnz,
				   std::uint32_t *out) noexcept
{
	out[0] = SparseRecordHeader(nnz, nnz);
	std::memcpy(out + 1, indices, sizeof(std::int32_t) * nnz);
	std::memcpy(out + 1 + nnz, values, sizeof(float) * nnz);
}

double
SparseRecordDotDense(const float *dense, std::size_t dims, const std::uint32_t *record) noexcept
{
	SparseView	v = RecordView(record);
	double		sum = 0.0;

	/* the merge's terms in its order; an index the query lacks adds +-0 */
	for (int i = 0; i < v.nnz; i++)
		if (static_cast<std::uint32_t>(v.indices[i]) < dims)
			sum += dense[v.indices[i]] * v.values[i];
	return sum;
}

double
SparseRecordDistance(Metric metric, const std::uint32_t *a, const std::uint32_t *b) noexcept
{
	SparseView	va = RecordView(a);
	SparseView	vb = RecordView(b);

	switch (metric)
	{
		case Metric::kL2Squared:
			return SparseL2Squared(va, vb);
		case Metric::kNegativeInnerProduct:
			return -SparseInnerProduct(va, vb);
		case Metric::kL1:
			return SparseL1(va, vb);
		case Metric::kJaccard:
			break;
	}
	return 0.0;
}

}							// namespace vectordb::simd
