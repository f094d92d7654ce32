/*-------------------------------------------------------------------------
 *
 * stored.h
 *		How an index stores its vectors: one float, one half or one bit per
 *		dimension, in 4-byte words, and distances measured on that form.
 *
 * Pure C++, like distance.h.  A halfvec index keeps halves (half the pages
 * of a vector index), a bit index keeps the bits themselves (a 32nd) and a
 * sparsevec index only the non-zeros, so the index is as small as the
 * column.  Queries are encoded the same way,
 * and a distance is computed between two encoded vectors.  Index pages may
 * split a long vector between pages at any word, so a distance is
 * accumulated slice by slice and finished once.
 *
 * IDENTIFICATION
 *		src/distance/stored.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_DISTANCE_STORED_H
#define VECTORDB_DISTANCE_STORED_H

#include <cstddef>
#include <cstdint>

#include "distance/bit_distance.h"
#include "distance/distance.h"

namespace vectordb::simd {

/// An index's element form.
enum class Storage : int
{
	kFloat = 0,
	kHalf = 1,					///< IEEE binary16, two per word
	kBit = 2,					///< 0/1 per dimension, 32 per word, in bit(n)'s byte order
	kSparse = 3,				///< the non-zeros only, a sparse record (below);
								///< not for the fixed-length functions
};

/// Dimensions one 4-byte word holds.
constexpr std::size_t
DimsPerWord(Storage storage)
{
	return storage == Storage::kFloat ? 1 : storage == Storage::kHalf ? 2 : 32;
}

/// Words a vector of dims dimensions takes (the last one zero-padded).
constexpr std::size_t
StoredWords(Storage storage, std::size_t dims)
{
	return (dims + DimsPerWord(storage) - 1) / DimsPerWord(storage);
}

/// Encodes dims floats into StoredWords(storage, dims) words.  Halves round
/// to nearest; bits are set where the float is greater than zero (the 0/1
/// floats of a bit column round-trip exactly).
void EncodeStored(Storage storage, const float *in, std::size_t dims, std::uint32_t *out) noexcept;

/// Decodes dims floats (exact for every storage).
void DecodeStored(Storage storage, const std::uint32_t *in, std::size_t dims, float *out) noexcept;

/// A distance being summed over slices of two encoded vectors.
struct StoredDistance
{
	double		sum = 0.0;		///< additive metrics
	JaccardCounts counts{0, 0, 0};	///< kJaccard
};

/// Adds words words of a and b (same storage, same offset) to acc.
void AccumulateStored(Storage storage, Metric metric, const std::uint32_t *a,
					  const std::uint32_t *b, std::size_t words, StoredDistance *acc) noexcept;

/// The distance acc adds up to under metric.
double FinishStored(Metric metric, const StoredDistance &acc) noexcept;

/*
 * A sparse record: word 0 holds the record's non-zero count in its low 16
 * bits and, in its high 16, the count the space it occupies was sized for
 * (an index reuses the space for any record that fits); then the indices
 * (strictly increasing, 0-based int32), then the float values.
 */
constexpr int kSparseRecordMaxNnz = 0xFFFF;

/// Words a sparse record of nnz non-zeros takes.
constexpr std::size_t
SparseRecordWords(int nnz)
{
	return 1 + 2 * static_cast<std::size_t>(nnz);
}

constexpr int
SparseRecordNnz(std::uint32_t header)
{
	return static_cast<int>(header & 0xFFFF);
}

constexpr int
SparseRecordCapacity(std::uint32_t header)
{
	return static_cast<int>(header >> 16);
}

constexpr std::uint32_t
SparseRecordHeader(int nnz, int capacity)
{
	return static_cast<std::uint32_t>(nnz) | (static_cast<std::uint32_t>(capacity) << 16);
}

/// Writes a record of nnz entries (capacity nnz) into out, SparseRecordWords(nnz) words.
void EncodeSparseRecord(const std::int32_t *indices, const float *values, int nnz,
						std::uint32_t *out) noexcept;

/// The distance between two sparse records under metric (kL2Squared,
/// kNegativeInnerProduct or kL1), equal to the dense kernels' on the same
/// vectors written out.
double SparseRecordDistance(Metric metric, const std::uint32_t *a, const std::uint32_t *b) noexcept;

/// The inner product of a vector written out in full (dense, dims floats)
/// and a sparse record, in the record's non-zeros only: exactly
/// SparseRecordDistance's inner product of the two records, so a query
/// scattered once measures each record without a merge.  An index outside
/// 0..dims-1 (a damaged record) counts as zero.
double SparseRecordDotDense(const float *dense, std::size_t dims, const std::uint32_t *record) noexcept;

}							// namespace vectordb::simd

#endif							/* VECTORDB_DISTANCE_STORED_H */
