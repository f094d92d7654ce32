/*-------------------------------------------------------------------------
 *
 * fuzz_vector_format.cpp
 *		libFuzzer harness for printing a vector (vector_out): any float bit
 *		patterns, NaN and infinities included.
 *
 * Vectors never hold NaN or infinities, but a printer that relied on that
 * crashed the server once: vector_sum() called by hand on a state array
 * holding NaN built such a vector, and printing it read through a NULL
 * pointer (test/fuzz/regressions/fuzz_vector_format/ keeps that input).
 * The input's bytes are the floats, native order.  The output buffer has
 * exactly FormatBufferSize(dim) bytes, from new[], so a write past it is an
 * ASan report; finite vectors must parse back to the same bits.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_vector_format.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/vector_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "fuzz_common.h"

namespace core = vectordb::core;

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	int			dim = static_cast<int>(std::min<std::size_t>(size / sizeof(float), core::kVectorMaxDim));
	float	   *values = new float[std::max(dim, 1)];
	char	   *text = new char[core::FormatBufferSize(dim)];
	bool		finite = true;
	std::size_t len;

	std::memcpy(values, data, sizeof(float) * dim);
	len = core::FormatVectorText(values, dim, text);
	FUZZ_CHECK(len < core::FormatBufferSize(dim));
	FUZZ_CHECK(text[len] == '\0' && std::strlen(text) == len);
	for (int i = 0; i < dim; i++)
		finite &= std::isfinite(values[i]);
	if (dim > 0 && finite)
	{
		float	   *back = new float[std::min<std::size_t>(core::kVectorMaxDim, core::MaxElementsForLength(len)) + 1];
		core::ParseResult r = core::ParseVectorText(text, back, core::kVectorMaxDim);

		FUZZ_CHECK(r.status == core::ParseStatus::kOk && r.dim == dim);
		FUZZ_CHECK(std::memcmp(back, values, sizeof(float) * dim) == 0);
		delete[] back;
	}
	delete[] text;
	delete[] values;
	return 0;
}
