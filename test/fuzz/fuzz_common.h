/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *		What the libFuzzer harnesses in test/fuzz/ share.
 *
 * A failed FUZZ_CHECK prints the broken property and aborts; libFuzzer
 * catches the abort like any crash, saves the input under
 * tmp/fuzz/artifacts/ and exits non-zero, so a wrong answer fails the run
 * exactly as a sanitizer report does.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_FUZZ_COMMON_H
#define VECTORDB_FUZZ_COMMON_H

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/vector_codec.h"

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			std::abort(); \
		} \
	} while (0)

/*
 * Prints dim elements of x with format (FormatVectorText's signature) into
 * a buffer of exactly FormatBufferSize(dim), which the caller deletes; the
 * text must fit and be as long as format says.
 */
template <typename T, typename Format>
char *
FuzzFormatExact(const T *x, int dim, Format format)
{
	std::size_t size = vectordb::core::FormatBufferSize(dim);
	char	   *text = new char[size];
	std::size_t len = format(x, dim, text);

	FUZZ_CHECK(len < size);
	FUZZ_CHECK(std::strlen(text) == len);
	return text;
}

/*
 * What a typmod and a dimension limit do to a binary input that decoded to
 * values (dim elements): n = dim is accepted with the same values, any
 * other n refused, and a limit below dim refused.  decode(max_dims,
 * expected_dim, &out) decodes the input again into a new[] buffer.
 */
template <typename T, typename Decode>
void
FuzzCheckDimLimits(const T *values, int dim, Decode decode)
{
	namespace core = vectordb::core;
	T		   *other;
	core::DecodeResult r;

	r = decode(core::kVectorMaxDim, dim, &other);
	FUZZ_CHECK(r.status == core::DecodeStatus::kOk);
	FUZZ_CHECK(std::memcmp(other, values, sizeof(T) * dim) == 0);
	delete[] other;
	r = decode(core::kVectorMaxDim, dim + 1, &other);
	FUZZ_CHECK(r.status == core::DecodeStatus::kDimMismatch);
	delete[] other;
	r = decode(dim - 1, -1, &other);
	FUZZ_CHECK(r.status == core::DecodeStatus::kTooManyDims);
	delete[] other;
}

#endif							/* VECTORDB_FUZZ_COMMON_H */
