/*-------------------------------------------------------------------------
 *
 * fuzz_sparsevec_text.cpp
 *		libFuzzer harness for the text form of a sparse vector (sparsevec_in,
 *		sparsevec_out).
 *
 * The input is the literal a client sends, cut at its first NUL as the
 * server's cstring would be.  Buffers are allocated with exactly the
 * capacity sparse_codec.h documents, so a write past one is an ASan report.
 * When the text parses, the result must keep the type's invariants (dim in
 * range, at most 16000 entries, indices strictly increasing below dim,
 * values finite and non-zero); printing it and parsing the print must give
 * the same entries bit for bit, the print must be a fixed point, and the
 * binary form must round-trip too.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_sparsevec_text.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/sparse_codec.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/cpp_only.h"
#include "fuzz_common.h"

namespace core = vectordb::core;

namespace {

/* Parses str into a new[] buffer of the documented capacity; the caller deletes it */
core::SparseParseResult
ParseExact(const char *str, core::SparseEntry **out)
{
	std::size_t capacity = core::SparseEntryCapacity(str);

	*out = new core::SparseEntry[capacity];
	return core::ParseSparseText(str, *out, capacity);
}

/* Prints entries into a buffer of exactly FormatSparseBufferSize(nnz); the caller deletes it */
char *
FormatExact(int dim, int nnz, const core::SparseEntry *entries)
{
	std::int32_t *indices = new std::int32_t[nnz + 1];
	float	   *values = new float[nnz + 1];
	std::size_t size = core::FormatSparseBufferSize(nnz);
	char	   *text = new char[size];
	std::size_t len;

	for (int i = 0; i < nnz; i++)
	{
		indices[i] = entries[i].index;
		values[i] = entries[i].value;
	}
	len = core::FormatSparseText(dim, nnz, indices, values, text);
	FUZZ_CHECK(len < size);
	FUZZ_CHECK(std::strlen(text) == len);

	delete[] values;
	delete[] indices;
	return text;
}

/* Encodes and decodes the binary form; it must give back the same entries */
void
CheckBinaryRoundTrip(int dim, int nnz, const core::SparseEntry *entries)
{
	std::int32_t *indices = new std::int32_t[nnz + 1];
	float	   *values = new float[nnz + 1];
	std::size_t size = core::SparseBinarySize(nnz);
	unsigned char *bytes = new unsigned char[size];
	std::int32_t *indices2 = new std::int32_t[nnz + 1];
	float	   *values2 = new float[nnz + 1];
	core::SparseDecodeResult r;

	for (int i = 0; i < nnz; i++)
	{
		indices[i] = entries[i].index;
		values[i] = entries[i].value;
	}
	FUZZ_CHECK(core::EncodeSparseBinary(dim, nnz, indices, values, bytes) == size);
	r = core::DecodeSparseBinary(bytes, size, indices2, values2, dim);
	FUZZ_CHECK(r.status == core::SparseDecodeStatus::kOk);
	FUZZ_CHECK(r.dim == dim && r.nnz == nnz);
	FUZZ_CHECK(std::memcmp(indices, indices2, sizeof(std::int32_t) * nnz) == 0);
	FUZZ_CHECK(std::memcmp(values, values2, sizeof(float) * nnz) == 0);

	delete[] values2;
	delete[] indices2;
	delete[] bytes;
	delete[] values;
	delete[] indices;
}

}								// namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	char	   *str = new char[size + 1];
	core::SparseEntry *entries;
	core::SparseParseResult r;

	std::memcpy(str, data, size);
	str[size] = '\0';

	r = ParseExact(str, &entries);
	FUZZ_CHECK(r.status >= core::SparseParseStatus::kOk && r.status <= core::SparseParseStatus::kDuplicate);
	if (r.status == core::SparseParseStatus::kOutOfRange || r.status == core::SparseParseStatus::kIndexTooSmall ||
		r.status == core::SparseParseStatus::kIndexTooLarge)
		FUZZ_CHECK(r.bad_length > 0 && r.bad_offset + r.bad_length <= std::strlen(str));

	if (r.status == core::SparseParseStatus::kOk)
	{
		int			dim = static_cast<int>(r.dim);
		core::SparseEntry *again;
		char	   *text;
		char	   *text2;
		core::SparseParseResult r2;

		FUZZ_CHECK(r.dim >= 1 && r.dim <= core::kSparseMaxDim);
		FUZZ_CHECK(r.nnz >= 0 && r.nnz <= core::kSparseMaxNnz && r.nnz <= r.dim);
		for (int i = 0; i < r.nnz; i++)
		{
			FUZZ_CHECK(entries[i].index >= 0 && entries[i].index < dim);
			FUZZ_CHECK(i == 0 || entries[i].index > entries[i - 1].index);
			FUZZ_CHECK(std::isfinite(entries[i].value) && entries[i].value != 0.0f);
		}

		/* Print, parse back: the same entries, bit for bit */
		text = FormatExact(dim, r.nnz, entries);
		r2 = ParseExact(text, &again);
		FUZZ_CHECK(r2.status == core::SparseParseStatus::kOk);
		FUZZ_CHECK(r2.dim == r.dim && r2.nnz == r.nnz);
		FUZZ_CHECK(std::memcmp(again, entries, sizeof(core::SparseEntry) * r.nnz) == 0);

		/* The print is canonical: printing what it parses to changes nothing */
		text2 = FormatExact(dim, r2.nnz, again);
		FUZZ_CHECK(std::strcmp(text, text2) == 0);

		CheckBinaryRoundTrip(dim, r.nnz, entries);

		delete[] text2;
		delete[] again;
		delete[] text;
	}

	delete[] entries;
	delete[] str;
	return 0;
}
