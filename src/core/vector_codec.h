/*-------------------------------------------------------------------------
 *
 * vector_codec.h
 *		Text form of a vector: parsing "[1,2.5,-3]" and printing it back;
 *		binary form (the vector_recv/vector_send wire format): decoding and
 *		encoding it.
 *
 * Pure C++ with no allocation and no Postgres dependency, so the decoders
 * are unit tested and fuzzed (test/fuzz/) without a server.  The caller owns
 * every buffer; results come back as a status the Postgres side turns into
 * an ereport.
 *
 * IDENTIFICATION
 *		src/core/vector_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_VECTOR_CODEC_H
#define VECTORDB_VECTOR_CODEC_H

#include <cstddef>

namespace vectordb::core {

/// Most dimensions a vector may have (pgvector's VECTOR_MAX_DIM).
constexpr int kVectorMaxDim = 16000;

/// Why a text vector was rejected.
enum class ParseStatus : int
{
	kOk = 0,
	kSyntax,					///< not of the form [x,y,...]
	kEmpty,						///< "[]": no dimensions
	kTooManyDims,				///< more than the caller's max_dims
	kNaN,						///< an element is NaN
	kInfinite,					///< an element is +-Infinity
	kOutOfRange,				///< an element overflows float4
};

/// Outcome of ParseVectorText.
struct ParseResult
{
	ParseStatus status;
	int			dim;			///< elements written to out (when kOk)
	std::size_t bad_offset;		///< where a bad element starts (kOutOfRange)
	std::size_t bad_length;		///< its length
};

/// Upper bound on the elements a text of length len can hold, for sizing out.
constexpr std::size_t
MaxElementsForLength(std::size_t len)
{
	return len / 2 + 1;
}

/**
 * Parses pgvector's text form: optional whitespace, '[', elements separated
 * by ',' with optional whitespace around each, ']', optional whitespace.
 * Elements use strtof syntax (so "1e3" and "-0.5" work); NaN and infinities
 * are refused.  Writes at most max_dims floats to out, whose capacity must be
 * at least min(max_dims, MaxElementsForLength(strlen(str))) + 1.
 */
ParseResult ParseVectorText(const char *str, float *out, int max_dims) noexcept;

/// Longest text one element can take ("-1.2345678e-38" and the separator).
constexpr std::size_t kMaxElementText = 16;

/// Buffer size FormatVectorText needs for a vector of dim elements.
constexpr std::size_t
FormatBufferSize(int dim)
{
	return 2 + static_cast<std::size_t>(dim) * kMaxElementText + 1;
}

/**
 * Writes "[x,y,...]" with each element in the shortest form that reads back
 * to the same float4, styled as Postgres prints float4 (exponent when it is
 * below -4 or at least 6).  buf must hold FormatBufferSize(dim) bytes.
 * Returns the length written, excluding the terminating NUL.
 */
std::size_t FormatVectorText(const float *x, int dim, char *buf) noexcept;

/// Writes one float4 in the same style; returns its length (no NUL added).
std::size_t FormatFloat4(float value, char *buf) noexcept;

/// Bytes before the elements in the binary form: int16 dim, int16 unused.
constexpr std::size_t kBinaryHeaderSize = 4;

/// Why a binary vector was rejected, in the order the checks run.
enum class DecodeStatus : int
{
	kOk = 0,
	kTruncated,					///< fewer than kBinaryHeaderSize bytes
	kTooFewDims,				///< dim below 1 (it is a signed int16)
	kTooManyDims,				///< dim above the caller's max_dims
	kDimMismatch,				///< dim differs from expected_dim
	kUnusedNonZero,				///< the unused header field is not 0
	kLengthMismatch,			///< payload is not exactly dim float4s
	kNaN,						///< an element is NaN
	kInfinite,					///< an element is +-Infinity
};

/// Outcome of DecodeVectorBinary; the header fields are set from kTooFewDims on.
struct DecodeResult
{
	DecodeStatus status;
	int			dim;			///< dim from the header
	int			unused;			///< unused from the header
	std::size_t data_len;		///< bytes after the header
};

/// Upper bound on the elements a binary vector of len bytes can hold, for sizing out.
constexpr std::size_t
BinaryElementsForLength(std::size_t len)
{
	return len < kBinaryHeaderSize ? 0 : (len - kBinaryHeaderSize) / sizeof(float);
}

/// Bytes EncodeVectorBinary writes for a vector of dim elements.
constexpr std::size_t
BinarySize(int dim)
{
	return kBinaryHeaderSize + static_cast<std::size_t>(dim) * sizeof(float);
}

/**
 * Reads and checks the header of a dense binary value (vector or halfvec,
 * whose elements are elem_size bytes) into result: dims, unused and the
 * payload's length, in the order both types report them.  True when the
 * elements may be read; otherwise result->status says why not.
 */
bool		DecodeDenseHeader(const unsigned char *buf, std::size_t len, int max_dims,
							  int expected_dim, std::size_t elem_size, DecodeResult *result) noexcept;

/**
 * Decodes pgvector's binary form (what vector_send writes): int16 dim, int16
 * unused (must be 0), then dim float4s, all in network byte order, and
 * nothing after them.  dim must lie in 1..max_dims and, unless expected_dim
 * is -1 (no typmod), equal it; NaN and infinities are refused.  Elements are
 * written only once the length is known to match, so out needs room for
 * min(max_dims, BinaryElementsForLength(len)) floats.
 */
DecodeResult DecodeVectorBinary(const unsigned char *buf, std::size_t len, float *out,
								int max_dims, int expected_dim) noexcept;

/**
 * Writes the binary form of x (dim elements, unused 0) to buf, which must
 * hold BinarySize(dim) bytes.  Returns the length written.
 */
std::size_t EncodeVectorBinary(const float *x, int dim, unsigned char *buf) noexcept;

}							// namespace vectordb::core

#endif							/* VECTORDB_VECTOR_CODEC_H */
