/*-------------------------------------------------------------------------
 *
 * fuzz_vector_text.cpp
 *		libFuzzer harness for the text form of a vector (vector_in, vector_out).
 *
 * The input is the literal a client sends, cut at its first NUL as the
 * server's cstring would be.  Buffers are allocated with exactly the
 * capacity vector_codec.h documents, so a write past it is an ASan report.
 * When the text parses, printing it and parsing the print must give the
 * same floats bit for bit (what vector_out then vector_in does to a stored
 * value), the print must be a fixed point, and a max_dims one short of the
 * dimension must be refused without overrunning its smaller buffer.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_vector_text.cpp
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

/* Parses str into a new[] buffer of the documented capacity; the caller deletes it */
core::ParseResult
ParseExact(const char *str, int max_dims, float **out)
{
	std::size_t capacity = std::min<std::size_t>(max_dims, core::MaxElementsForLength(std::strlen(str))) + 1;

	*out = new float[capacity];
	return core::ParseVectorText(str, *out, max_dims);
}

}								// namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	char	   *str = new char[size + 1];
	float	   *values;
	core::ParseResult r;

	std::memcpy(str, data, size);
	str[size] = '\0';

	r = ParseExact(str, core::kVectorMaxDim, &values);
	FUZZ_CHECK(r.status >= core::ParseStatus::kOk && r.status <= core::ParseStatus::kOutOfRange);
	if (r.status == core::ParseStatus::kOutOfRange)
		FUZZ_CHECK(r.bad_length > 0 && r.bad_offset + r.bad_length <= std::strlen(str));

	if (r.status == core::ParseStatus::kOk)
	{
		float	   *again;
		float	   *fewer;
		char	   *text;
		char	   *text2;
		core::ParseResult r2;

		FUZZ_CHECK(r.dim >= 1 && r.dim <= core::kVectorMaxDim);
		for (int i = 0; i < r.dim; i++)
			FUZZ_CHECK(std::isfinite(values[i]));

		/* Print, parse back: the same bits, -0 included */
		text = FuzzFormatExact(values, r.dim, core::FormatVectorText);
		r2 = ParseExact(text, core::kVectorMaxDim, &again);
		FUZZ_CHECK(r2.status == core::ParseStatus::kOk);
		FUZZ_CHECK(r2.dim == r.dim);
		FUZZ_CHECK(std::memcmp(again, values, sizeof(float) * r.dim) == 0);

		/* The print is canonical: printing what it parses to changes nothing */
		text2 = FuzzFormatExact(again, r2.dim, core::FormatVectorText);
		FUZZ_CHECK(std::strcmp(text, text2) == 0);

		/* One dimension too many for the caller's limit */
		r2 = ParseExact(str, r.dim - 1, &fewer);
		FUZZ_CHECK(r2.status == core::ParseStatus::kTooManyDims);

		delete[] fewer;
		delete[] text2;
		delete[] again;
		delete[] text;
	}

	delete[] values;
	delete[] str;
	return 0;
}
