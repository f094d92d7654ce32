/*-------------------------------------------------------------------------
 *
 * fuzz_halfvec_text.cpp
 *		libFuzzer harness for the text form of a halfvec (halfvec_in,
 *		halfvec_out).
 *
 * The input is a C string, as halfvec_in receives it, parsed into buffers of
 * exactly the documented capacity (from new[], so a write past them is an
 * ASan report).  The halfvec parser must agree with the vector parser it
 * builds on: the same text parses as a vector exactly when it parses as a
 * halfvec or is out of the half range, and each half is the float rounded
 * to nearest.  Whatever parses prints as text that parses back to the same
 * halves, and printing that again changes nothing.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_halfvec_text.cpp
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

std::size_t
Capacity(const char *str, int max_dims)
{
	return std::min<std::size_t>(max_dims, core::MaxElementsForLength(std::strlen(str))) + 1;
}

/* Parses str into a new[] buffer of the documented capacity; the caller deletes it */
core::ParseResult
ParseExact(const char *str, int max_dims, std::uint16_t **out)
{
	std::size_t capacity = Capacity(str, max_dims);
	float	   *scratch = new float[capacity];
	core::ParseResult r;

	*out = new std::uint16_t[capacity];
	r = core::ParseHalfvecText(str, *out, scratch, max_dims);
	delete[] scratch;
	return r;
}

}								// namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	char	   *str = new char[size + 1];
	std::uint16_t *halves;
	float	   *floats;
	core::ParseResult r;
	core::ParseResult rf;

	std::memcpy(str, data, size);
	str[size] = '\0';

	r = ParseExact(str, core::kVectorMaxDim, &halves);
	FUZZ_CHECK(r.status >= core::ParseStatus::kOk && r.status <= core::ParseStatus::kOutOfRange);
	if (r.status == core::ParseStatus::kOutOfRange)
		FUZZ_CHECK(r.bad_length > 0 && r.bad_offset + r.bad_length <= std::strlen(str));

	/* The vector parser reads the same floats */
	floats = new float[Capacity(str, core::kVectorMaxDim)];
	rf = core::ParseVectorText(str, floats, core::kVectorMaxDim);
	if (rf.status != core::ParseStatus::kOk)
		FUZZ_CHECK(r.status == rf.status);
	else
		FUZZ_CHECK(r.status == core::ParseStatus::kOk || r.status == core::ParseStatus::kOutOfRange);

	if (r.status == core::ParseStatus::kOk)
	{
		std::uint16_t *again;
		std::uint16_t *fewer;
		char	   *text;
		char	   *text2;
		core::ParseResult r2;

		FUZZ_CHECK(r.dim == rf.dim && r.dim >= 1 && r.dim <= core::kVectorMaxDim);
		for (int i = 0; i < r.dim; i++)
		{
			FUZZ_CHECK(!core::HalfIsNaN(halves[i]) && !core::HalfIsInf(halves[i]));
			FUZZ_CHECK(halves[i] == core::FloatToHalf(floats[i]));
		}

		/* Print, parse back: the same halves, -0 included */
		text = FuzzFormatExact(halves, r.dim, core::FormatHalfvecText);
		r2 = ParseExact(text, core::kVectorMaxDim, &again);
		FUZZ_CHECK(r2.status == core::ParseStatus::kOk);
		FUZZ_CHECK(r2.dim == r.dim);
		FUZZ_CHECK(std::memcmp(again, halves, sizeof(std::uint16_t) * r.dim) == 0);

		/* The print is canonical */
		text2 = FuzzFormatExact(again, r2.dim, core::FormatHalfvecText);
		FUZZ_CHECK(std::strcmp(text, text2) == 0);

		/* One dimension too many for the caller's limit */
		r2 = ParseExact(str, r.dim - 1, &fewer);
		FUZZ_CHECK(r2.status == core::ParseStatus::kTooManyDims);

		delete[] fewer;
		delete[] text2;
		delete[] again;
		delete[] text;
	}

	delete[] floats;
	delete[] halves;
	delete[] str;
	return 0;
}
