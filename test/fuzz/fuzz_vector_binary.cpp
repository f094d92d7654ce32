/*-------------------------------------------------------------------------
 *
 * fuzz_vector_binary.cpp
 *		libFuzzer harness for the binary form of a vector (vector_recv,
 *		vector_send).
 *
 * The input is the payload of one binary-format vector, as COPY BINARY or
 * a binary Bind message hands it to vector_recv.  The output buffer has
 * exactly the capacity vector_codec.h documents, from new[], so a write past
 * it is an ASan report.  When the payload decodes, encoding it must give the
 * input back byte for byte, a typmod equal to its dimension must be accepted
 * and any other refused, and its text form must parse back to the same bits:
 * the fuzzer picks the float bit patterns directly here, denormals included,
 * which the text harness reaches only through strtof.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_vector_binary.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/vector_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/cpp_only.h"
#include "fuzz_common.h"

namespace core = vectordb::core;

namespace {

/* Decodes into a new[] buffer of the documented capacity; the caller deletes it */
core::DecodeResult
DecodeExact(const std::uint8_t *data, std::size_t size, int max_dims, int expected_dim, float **out)
{
	std::size_t capacity = std::min<std::size_t>(max_dims, core::BinaryElementsForLength(size));

	*out = new float[capacity];
	return core::DecodeVectorBinary(data, size, *out, max_dims, expected_dim);
}

}								// namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	float	   *values;
	core::DecodeResult r = DecodeExact(data, size, core::kVectorMaxDim, -1, &values);

	FUZZ_CHECK(r.status >= core::DecodeStatus::kOk && r.status <= core::DecodeStatus::kInfinite);
	FUZZ_CHECK((r.status == core::DecodeStatus::kTruncated) == (size < core::kBinaryHeaderSize));
	if (r.status != core::DecodeStatus::kTruncated)
	{
		/* The header fields are reported as the signed int16s on the wire */
		FUZZ_CHECK(r.dim == static_cast<std::int16_t>((data[0] << 8) | data[1]));
		FUZZ_CHECK(r.unused == static_cast<std::int16_t>((data[2] << 8) | data[3]));
		FUZZ_CHECK(r.data_len == size - core::kBinaryHeaderSize);
	}

	if (r.status == core::DecodeStatus::kOk)
	{
		std::size_t bin_size = core::BinarySize(r.dim);
		std::uint8_t *bytes = new std::uint8_t[bin_size];
		std::size_t text_size = core::FormatBufferSize(r.dim);
		char	   *text = new char[text_size];
		std::size_t text_len;
		float	   *other;
		core::ParseResult parsed;

		FUZZ_CHECK(r.dim >= 1 && r.dim <= core::kVectorMaxDim);
		FUZZ_CHECK(r.unused == 0);
		FUZZ_CHECK(size == bin_size);
		for (int i = 0; i < r.dim; i++)
			FUZZ_CHECK(std::isfinite(values[i]));

		/* vector_send of what vector_recv made is the input again */
		FUZZ_CHECK(core::EncodeVectorBinary(values, r.dim, bytes) == bin_size);
		FUZZ_CHECK(std::memcmp(bytes, data, size) == 0);

		/* vector(n) accepts n = dim only, and a limit below dim refuses it */
		FuzzCheckDimLimits(values, r.dim, [data, size](int max_dims, int expected_dim, float **out) {
			return DecodeExact(data, size, max_dims, expected_dim, out);
		});

		/* vector_out then vector_in gives the same bits */
		text_len = core::FormatVectorText(values, r.dim, text);
		FUZZ_CHECK(text_len < text_size);
		other = new float[std::min<std::size_t>(core::kVectorMaxDim, core::MaxElementsForLength(text_len)) + 1];
		parsed = core::ParseVectorText(text, other, core::kVectorMaxDim);
		FUZZ_CHECK(parsed.status == core::ParseStatus::kOk);
		FUZZ_CHECK(parsed.dim == r.dim);
		FUZZ_CHECK(std::memcmp(other, values, sizeof(float) * r.dim) == 0);

		delete[] other;
		delete[] text;
		delete[] bytes;
	}

	delete[] values;
	return 0;
}
