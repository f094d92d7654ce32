/*-------------------------------------------------------------------------
 *
 * ivf_codec.h
 *		The codes an IVF list stores, and distances from a query to them.
 *
 * Pure C++.  A code is what a list entry holds after its heap TID:
 *	flat	the vector itself in the column's precision (exact distances):
 *			dims floats, halves for halfvec, bits for bit (src/distance/stored.h)
 *	sq8		dims bytes, x[i] ~ vmin[i] + code[i] * vdiff[i] / 255
 *	pq		m bytes, one centroid of 256 per sub-vector of dims / m floats
 * Codebooks are trained on the build sample with no residuals: one query
 * table serves every list, which keeps multi-list scans cheap, and the scan
 * re-ranks quantized candidates with exact distances anyway.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_IVF_CODEC_H
#define VECTORDB_IVF_CODEC_H

#include <cstddef>
#include <cstdint>

#include "distance/distance.h"
#include "distance/stored.h"

namespace vectordb::ivf {

enum class Quantizer : int
{
	kFlat = 0,
	kSq8 = 1,
	kPq = 2,
};

/// Centroids per PQ sub-quantizer (8-bit codes)
constexpr std::size_t kPqCentroids = 256;

/// What a list's codes mean; codebook points at trained data the caller owns.
struct Codec
{
	Quantizer	quantizer;
	simd::Metric metric;		///< kL2Squared or kNegativeInnerProduct
	std::size_t dims;
	std::size_t pq_m;			///< sub-quantizers (pq only)
	const float *codebook;		///< sq8: vmin, vdiff; pq: m x 256 x dims/m
	simd::Storage storage = simd::Storage::kFloat;	///< flat codes' element form
};

/// Bytes of one code (storage matters to flat codes only)
std::size_t CodeSize(Quantizer quantizer, std::size_t dims, std::size_t pq_m,
					 simd::Storage storage = simd::Storage::kFloat) noexcept;
/// Floats of the codebook
std::size_t CodebookFloats(Quantizer quantizer, std::size_t dims) noexcept;

/// Encodes one vector (codes of CodeSize bytes)
void		Encode(const Codec &codec, const float *x, std::uint8_t *code) noexcept;

/// A query turned into whatever makes code distances cheap.  The caller
/// points a, b and lut at QueryTableFloats(codec) floats, in that order.
struct QueryTable
{
	float	   *a;				///< sq8 L2: q - vmin; sq8 IP: q * vdiff / 255;
								///< flat halves or bits: the encoded query
	float	   *b;				///< sq8 L2: vdiff / 255
	float	   *lut;			///< pq: m x 256 partial distances
	double		bias;			///< sq8 IP: -sum q * vmin
};

std::size_t QueryTableFloats(const Codec &codec) noexcept;
/// Points table at space (QueryTableFloats floats) and fills it for query
void		PrepareQuery(const Codec &codec, const float *query, float *space,
						 QueryTable *table) noexcept;

/// Distance under codec.metric from the query to a code (approximate
/// unless flat).  The code may be unaligned.
double		CodeDistance(const Codec &codec, const QueryTable &table,
						 const float *query, const std::uint8_t *code) noexcept;

/// Index of the nearest of lists centroids (lists x dims) under metric
std::size_t NearestCentroid(simd::Metric metric, const float *centroids,
							std::size_t lists, std::size_t dims, const float *x) noexcept;

}  // namespace vectordb::ivf

#endif							/* VECTORDB_IVF_CODEC_H */
