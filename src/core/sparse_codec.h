/*-------------------------------------------------------------------------
 *
 * sparse_codec.h
 *		Text form of a sparse vector: parsing "{1:1.5,3:2}/5" and printing it
 *		back; binary form (the sparsevec_recv/sparsevec_send wire format):
 *		decoding and encoding it.
 *
 * Pure C++ with no allocation and no Postgres dependency, like
 * vector_codec.h, so the decoders are unit tested and fuzzed (test/fuzz/)
 * without a server.  The caller owns every buffer; results come back as a
 * status the Postgres side turns into an ereport.
 *
 * Indices are 1-based in the text form (as SQL arrays are) and 0-based in
 * memory and in the binary form.  A decoded sparse vector always has
 * strictly increasing indices below dim and no zero values.
 *
 * IDENTIFICATION
 *		src/core/sparse_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_SPARSE_CODEC_H
#define VECTORDB_SPARSE_CODEC_H

#include <cstddef>
#include <cstdint>

namespace vectordb::core {

/// Most dimensions a sparse vector may have (pgvector's SPARSEVEC_MAX_DIM).
constexpr int kSparseMaxDim = 1000000000;
/// Most non-zero elements a sparse vector may have (pgvector's SPARSEVEC_MAX_NNZ).
constexpr int kSparseMaxNnz = 16000;

/// One element while parsing: 0-based index and its value.
struct SparseEntry
{
	std::int32_t index;
	float		value;
};

/// Why a text sparse vector was rejected, in the order the checks run.
enum class SparseParseStatus : int
{
	kOk = 0,
	kSyntax,					///< not of the form {i:x,...}/dim
	kNaN,						///< a value is NaN
	kInfinite,					///< a value is +-Infinity
	kOutOfRange,				///< a value overflows float4
	kDimTooSmall,				///< dim below 1
	kDimTooLarge,				///< dim above kSparseMaxDim
	kIndexTooSmall,				///< an index below 1
	kIndexTooLarge,				///< an index above dim
	kTooManyNonZeros,			///< more than kSparseMaxNnz non-zero values
	kDuplicate,					///< an index appears twice
};

/// Outcome of ParseSparseText.
struct SparseParseResult
{
	SparseParseStatus status;
	std::int64_t dim;			///< dim as written, saturated to int64 (from kDimTooSmall on)
	int			nnz;			///< non-zero entries written to out (when kOk)
	std::int64_t index;			///< the offending 1-based index, saturated (index statuses, kDuplicate)
	std::size_t bad_offset;		///< where the offending number starts (kOutOfRange, index statuses)
	std::size_t bad_length;		///< its length
};

/// Entries ParseSparseText may hold while parsing str: one per ':' plus one.
std::size_t SparseEntryCapacity(const char *str) noexcept;

/**
 * Parses pgvector's sparse text form: optional whitespace, '{', zero or more
 * index:value pairs separated by ',', '}', '/', the dimensions, optional
 * whitespace; whitespace may surround every token.  Indices are decimal
 * integers (a sign is allowed, so that -1 is refused as out of range rather
 * than as syntax); values use strtof syntax, and NaN, infinities and float4
 * overflow are refused (underflow is accepted, as the vector type does).
 *
 * out must hold SparseEntryCapacity(str) entries.  On kOk, out[0..nnz) holds
 * the non-zero entries with 0-based indices in strictly increasing order:
 * input in any order is sorted, zero values are dropped, and an index given
 * twice (even with a zero value) is kDuplicate.
 */
SparseParseResult ParseSparseText(const char *str, SparseEntry *out, std::size_t capacity) noexcept;

/// Longest text one entry takes: a 10-digit index, ':', a value and ','.
constexpr std::size_t kMaxSparseEntryText = 10 + 1 + 16;

/// Buffer size FormatSparseText needs for nnz entries: "{" entries "}/" dim NUL.
constexpr std::size_t
FormatSparseBufferSize(int nnz)
{
	return 1 + static_cast<std::size_t>(nnz) * kMaxSparseEntryText + 2 + 10 + 1;
}

/**
 * Writes "{i:x,...}/dim" with 1-based indices and each value printed by
 * FormatFloat4 (vector_codec.h), so values print as they do in a vector.
 * buf must hold FormatSparseBufferSize(nnz) bytes.  Returns the length
 * written, excluding the terminating NUL.
 */
std::size_t FormatSparseText(int dim, int nnz, const std::int32_t *indices, const float *values,
							 char *buf) noexcept;

/// Bytes before the entries in the binary form: int32 dim, nnz, unused.
constexpr std::size_t kSparseBinaryHeaderSize = 12;

/// Why a binary sparse vector was rejected, in the order the checks run.
enum class SparseDecodeStatus : int
{
	kOk = 0,
	kTruncated,					///< fewer than kSparseBinaryHeaderSize bytes
	kDimTooSmall,				///< dim below 1
	kDimTooLarge,				///< dim above kSparseMaxDim
	kNnzNegative,				///< nnz below 0
	kTooManyNonZeros,			///< nnz above kSparseMaxNnz
	kNnzExceedsDim,				///< nnz above dim
	kDimMismatch,				///< dim differs from expected_dim
	kUnusedNonZero,				///< the unused header field is not 0
	kLengthMismatch,			///< payload is not exactly nnz indices and nnz values
	kIndexOutOfRange,			///< an index outside 0..dim-1
	kIndexNotAscending,			///< an index below the one before it
	kDuplicate,					///< an index equal to the one before it
	kNaN,						///< a value is NaN
	kInfinite,					///< a value is +-Infinity
	kZeroValue,					///< a value is zero, which the form never stores
};

/// Outcome of DecodeSparseBinary; the header fields are set from kDimTooSmall on.
struct SparseDecodeResult
{
	SparseDecodeStatus status;
	int			dim;			///< dim from the header
	int			nnz;			///< nnz from the header
	int			unused;			///< unused from the header
	std::size_t data_len;		///< bytes after the header
	std::int64_t index;			///< the offending 0-based index (index statuses)
};

/// Upper bound on the entries a binary sparse vector of len bytes can hold, for sizing out.
constexpr std::size_t
SparseBinaryEntriesForLength(std::size_t len)
{
	return len < kSparseBinaryHeaderSize ? 0 : (len - kSparseBinaryHeaderSize) / (sizeof(std::int32_t) + sizeof(float));
}

/// Bytes EncodeSparseBinary writes for nnz entries.
constexpr std::size_t
SparseBinarySize(int nnz)
{
	return kSparseBinaryHeaderSize + static_cast<std::size_t>(nnz) * (sizeof(std::int32_t) + sizeof(float));
}

/**
 * Decodes pgvector's binary sparse form (what sparsevec_send writes): int32
 * dim, int32 nnz, int32 unused (must be 0), nnz int32 0-based indices, nnz
 * float4 values, all in network byte order, and nothing after them.  dim
 * must lie in 1..kSparseMaxDim and, unless expected_dim is -1 (no typmod),
 * equal it; nnz must lie in 0..min(kSparseMaxNnz, dim); indices must be
 * strictly increasing and below dim; values must be finite and non-zero.
 * Entries are written only once the length is known to match, so indices
 * and values need room for min(kSparseMaxNnz, SparseBinaryEntriesForLength(len)).
 */
SparseDecodeResult DecodeSparseBinary(const unsigned char *buf, std::size_t len, std::int32_t *indices,
									  float *values, int expected_dim) noexcept;

/**
 * Writes the binary form (unused 0) to buf, which must hold
 * SparseBinarySize(nnz) bytes.  Returns the length written.
 */
std::size_t EncodeSparseBinary(int dim, int nnz, const std::int32_t *indices, const float *values,
							   unsigned char *buf) noexcept;

}							// namespace vectordb::core

#endif							/* VECTORDB_SPARSE_CODEC_H */
