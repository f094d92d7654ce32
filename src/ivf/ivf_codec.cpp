/*-------------------------------------------------------------------------
 *
 * ivf_codec.cpp
 *		Encoding and query-to-code distances for flat, sq8 and pq lists.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_codec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/cpp_only.h"

namespace vectordb::ivf {

std::size_t
CodeSize(Quantizer quantizer, std::size_t dims, std::size_t pq_m, simd::Storage storage) noexcept
{
	switch (quantizer)
	{
		case Quantizer::kFlat:
			return simd::StoredWords(storage, dims) * sizeof(std::uint32_t);
		case Quantizer::kSq8:
			return dims;
		case Quantizer::kPq:
			return pq_m;
	}
	return 0;
}

std::size_t
CodebookFloats(Quantizer quantizer, std::size_t dims) noexcept
{
	switch (quantizer)
	{
		case Quantizer::kFlat:
			return 0;
		case Quantizer::kSq8:
			return 2 * dims;
		case Quantizer::kPq:
			return kPqCentroids * dims;
	}
	return 0;
}

void
Encode(const Codec &codec, const float *x, std::uint8_t *code) noexcept
{
	const std::size_t dims = codec.dims;

	switch (codec.quantizer)
	{
		case Quantizer::kFlat:
			/* codes start 8-byte aligned (IvfEntryData) */
			simd::EncodeStored(codec.storage, x, dims, reinterpret_cast<std::uint32_t *>(code));
			break;
		case Quantizer::kSq8:
			{
				const float *vmin = codec.codebook;
				const float *vdiff = codec.codebook + dims;

				for (std::size_t i = 0; i < dims; i++)
				{
					float		t = vdiff[i] > 0 ? (x[i] - vmin[i]) / vdiff[i] : 0.0f;

					/* NaN-safe clamp: a NaN compares false and lands on 0 */
					t = t > 0.0f ? std::min(t, 1.0f) : 0.0f;
					code[i] = static_cast<std::uint8_t>(std::lrint(t * 255.0f));
				}
				break;
			}
		case Quantizer::kPq:
			{
				const std::size_t dsub = dims / codec.pq_m;

				for (std::size_t j = 0; j < codec.pq_m; j++)
				{
					const float *centroids = codec.codebook + j * kPqCentroids * dsub;

					code[j] = static_cast<std::uint8_t>(
						NearestCentroid(simd::Metric::kL2Squared, centroids,
										kPqCentroids, dsub, x + j * dsub));
				}
				break;
			}
	}
}

std::size_t
QueryTableFloats(const Codec &codec) noexcept
{
	switch (codec.quantizer)
	{
		case Quantizer::kFlat:
			return codec.storage == simd::Storage::kFloat ? 0 : simd::StoredWords(codec.storage, codec.dims);
		case Quantizer::kSq8:
			return 2 * codec.dims;
		case Quantizer::kPq:
			return codec.pq_m * kPqCentroids;
	}
	return 0;
}

void
PrepareQuery(const Codec &codec, const float *query, float *space, QueryTable *table) noexcept
{
	const std::size_t dims = codec.dims;
	const bool	l2 = codec.metric == simd::Metric::kL2Squared;

	table->a = table->b = table->lut = nullptr;
	table->bias = 0.0;

	switch (codec.quantizer)
	{
		case Quantizer::kFlat:
			if (codec.storage != simd::Storage::kFloat)
			{
				simd::EncodeStored(codec.storage, query, dims, reinterpret_cast<std::uint32_t *>(space));
				table->a = space;
			}
			break;
		case Quantizer::kSq8:
			{
				const float *vmin = codec.codebook;
				const float *vdiff = codec.codebook + dims;

				table->a = space;
				table->b = space + dims;
				for (std::size_t i = 0; i < dims; i++)
				{
					float		step = vdiff[i] / 255.0f;

					if (l2)
					{
						table->a[i] = query[i] - vmin[i];
						table->b[i] = step;
					}
					else
					{
						table->a[i] = query[i] * step;
						table->bias -= (double) query[i] * vmin[i];
					}
				}
				break;
			}
		case Quantizer::kPq:
			{
				const std::size_t dsub = dims / codec.pq_m;
				const simd::Kernels &k = simd::Active();

				table->lut = space;
				for (std::size_t j = 0; j < codec.pq_m; j++)
				{
					const float *q = query + j * dsub;

					for (std::size_t c = 0; c < kPqCentroids; c++)
					{
						const float *centroid = codec.codebook + (j * kPqCentroids + c) * dsub;

						table->lut[j * kPqCentroids + c] = (float)
							(l2 ? k.l2_squared(q, centroid, dsub)
							 : -k.inner_product(q, centroid, dsub));
					}
				}
				break;
			}
	}
}

double
CodeDistance(const Codec &codec, const QueryTable &table, const float *query,
			 const std::uint8_t *code) noexcept
{
	const simd::Kernels &k = simd::Active();

	switch (codec.quantizer)
	{
		case Quantizer::kFlat:
			if (codec.storage != simd::Storage::kFloat)
			{
				simd::StoredDistance acc;

				simd::AccumulateStored(codec.storage, codec.metric,
									   reinterpret_cast<const std::uint32_t *>(table.a),
									   reinterpret_cast<const std::uint32_t *>(code),
									   simd::StoredWords(codec.storage, codec.dims), &acc);
				return simd::FinishStored(codec.metric, acc);
			}
			return simd::PartialDistance(codec.metric, query,
										 reinterpret_cast<const float *>(code), codec.dims);
		case Quantizer::kSq8:
			if (codec.metric == simd::Metric::kL2Squared)
				return k.sq8_l2(table.a, table.b, code, codec.dims);
			return table.bias - k.sq8_dot(table.a, code, codec.dims);
		case Quantizer::kPq:
			{
				const float *lut = table.lut;
				float		sum0 = 0.0f;
				float		sum1 = 0.0f;
				std::size_t j = 0;

				/* two chains: the table lookups are independent */
				for (; j + 2 <= codec.pq_m; j += 2)
				{
					sum0 += lut[j * kPqCentroids + code[j]];
					sum1 += lut[(j + 1) * kPqCentroids + code[j + 1]];
				}
				if (j < codec.pq_m)
					sum0 += lut[j * kPqCentroids + code[j]];
				return (double) sum0 + sum1;
			}
	}
	return 0.0;
}

std::size_t
NearestCentroid(simd::Metric metric, const float *centroids, std::size_t lists,
				std::size_t dims, const float *x) noexcept
{
	std::size_t best = 0;
	double		best_distance = std::numeric_limits<double>::infinity();

	for (std::size_t i = 0; i < lists; i++)
	{
		double		d = simd::PartialDistance(metric, x, centroids + i * dims, dims);

		if (d < best_distance)
		{
			best_distance = d;
			best = i;
		}
	}
	return best;
}

}  // namespace vectordb::ivf
