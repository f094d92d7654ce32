/*-------------------------------------------------------------------------
 *
 * fuzz_halfvec_binary.cpp
 *		libFuzzer harness for the binary form of a halfvec (halfvec_recv,
 *		halfvec_send).
 *
 * The input is the payload of one binary-format halfvec.  The output
 * buffer has exactly the documented capacity, from new[].  When the payload
 * decodes, every half is finite, encoding gives the input back byte for
 * byte, a typmod equal to its dimension is accepted and any other refused,
 * and its text form parses back to the same halves: here the fuzzer picks
 * the half bit patterns directly, subnormals included.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_halfvec_binary.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/halfvec_codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/half.h"
#include "core/vector_codec.h"

#include "core/cpp_only.h"
#include "fuzz_common.h"

namespace core = vectordb::core;

namespace {

/* Decodes into a new[] buffer of the documented capacity; the caller deletes it */
core::DecodeResult
DecodeExact(const std::uint8_t *data, std::size_t size, int max_dims, int expected_dim,
			std::uint16_t **out)
{
	std::size_t capacity = std::min<std::size_t>(max_dims, core::HalfvecBinaryElementsForLength(size));

	*out = new std::uint16_t[capacity];
	return core::DecodeHalfvecBinary(data, size, *out, max_dims, expected_dim);
}

}								// namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::uint16_t *halves;
	core::DecodeResult r = DecodeExact(data, size, core::kVectorMaxDim, -1, &halves);

	FUZZ_CHECK(r.status >= core::DecodeStatus::kOk && r.status <= core::DecodeStatus::kInfinite);
	FUZZ_CHECK((r.status == core::DecodeStatus::kTruncated) == (size < core::kBinaryHeaderSize));

	if (r.status == core::DecodeStatus::kOk)
	{
		std::size_t bin_size = core::HalfvecBinarySize(r.dim);
		std::uint8_t *bytes = new std::uint8_t[bin_size];
		std::size_t text_size = core::FormatBufferSize(r.dim);
		char	   *text = new char[text_size];
		std::size_t text_len;
		std::uint16_t *other;
		float	   *scratch;
		core::ParseResult parsed;

		FUZZ_CHECK(r.dim >= 1 && r.dim <= core::kVectorMaxDim);
		FUZZ_CHECK(r.unused == 0);
		FUZZ_CHECK(size == bin_size);
		for (int i = 0; i < r.dim; i++)
			FUZZ_CHECK(!core::HalfIsNaN(halves[i]) && !core::HalfIsInf(halves[i]));

		/* halfvec_send of what halfvec_recv made is the input again */
		FUZZ_CHECK(core::EncodeHalfvecBinary(halves, r.dim, bytes) == bin_size);
		FUZZ_CHECK(std::memcmp(bytes, data, size) == 0);

		/* halfvec(n) accepts n = dim only, and a limit below dim refuses it */
		FuzzCheckDimLimits(halves, r.dim, [data, size](int max_dims, int expected_dim, std::uint16_t **out) {
			return DecodeExact(data, size, max_dims, expected_dim, out);
		});

		/* halfvec_out then halfvec_in gives the same halves */
		text_len = core::FormatHalfvecText(halves, r.dim, text);
		FUZZ_CHECK(text_len < text_size);
		{
			std::size_t capacity = std::min<std::size_t>(core::kVectorMaxDim,
														 core::MaxElementsForLength(text_len)) + 1;

			other = new std::uint16_t[capacity];
			scratch = new float[capacity];
		}
		parsed = core::ParseHalfvecText(text, other, scratch, core::kVectorMaxDim);
		FUZZ_CHECK(parsed.status == core::ParseStatus::kOk);
		FUZZ_CHECK(parsed.dim == r.dim);
		FUZZ_CHECK(std::memcmp(other, halves, sizeof(std::uint16_t) * r.dim) == 0);

		delete[] scratch;
		delete[] other;
		delete[] text;
		delete[] bytes;
	}

	delete[] halves;
	return 0;
}
