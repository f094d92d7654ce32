/*-------------------------------------------------------------------------
 *
 * vector_codec.h
 *		Text form of a vector: parsing "[1,2.5,-3]" and printing it back.
 *
 * Pure C++ with no allocation and no Postgres dependency, so the parser is
 * unit tested and fuzzed without a server.  The caller owns every buffer;
 * results come back as a status the Postgres side turns into an ereport.
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

}							// namespace vectordb::core

#endif							/* VECTORDB_VECTOR_CODEC_H */
