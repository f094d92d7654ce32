/*-------------------------------------------------------------------------
 *
 * fuzz_sparsevec_binary.cpp
 *		libFuzzer harness for the binary form of a sparse vector
 *		(sparsevec_recv, sparsevec_send).
 *
 * The input is the message body a client sends.  The first byte, when
 * there is one, picks the typmod the column would have (none, or the
 * dimensions read from the header, or one off), and the rest is decoded
 * into buffers of exactly the capacity sparse_codec.h documents.  A
 * message that decodes must keep the type's invariants, and encoding the
 * result must give back the message byte for byte: the form has one
 * encoding per value.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_sparsevec_binary.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/sparse_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/cpp_only.h"
#include "fuzz_common.h"

namespace core = vectordb::core;

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	const unsigned char *msg = data + (size > 0);
	std::size_t len = size - (size > 0);
	std::size_t capacity = std::min<std::size_t>(core::kSparseMaxNnz, core::SparseBinaryEntriesForLength(len));
	/* Copied so that ASan sees the exact end of the message */
	unsigned char *copy = new unsigned char[len];
	std::int32_t *indices = new std::int32_t[capacity];
	float	   *values = new float[capacity];
	int			expected_dim = -1;
	core::SparseDecodeResult r;

	std::memcpy(copy, msg, len);
	if (size > 0 && len >= 4)
	{
		std::int32_t header_dim = static_cast<std::int32_t>((std::uint32_t{msg[0]} << 24) | (std::uint32_t{msg[1]} << 16) |
															(std::uint32_t{msg[2]} << 8) | std::uint32_t{msg[3]});

		if (data[0] % 3 == 1)
			expected_dim = header_dim;
		else if (data[0] % 3 == 2 && header_dim > 0 && header_dim < core::kSparseMaxDim)
			expected_dim = header_dim + 1;
	}

	r = core::DecodeSparseBinary(copy, len, indices, values, expected_dim);
	FUZZ_CHECK(r.status >= core::SparseDecodeStatus::kOk && r.status <= core::SparseDecodeStatus::kZeroValue);
	if (r.status == core::SparseDecodeStatus::kOk)
	{
		std::size_t encoded_size = core::SparseBinarySize(r.nnz);
		unsigned char *encoded = new unsigned char[encoded_size];

		FUZZ_CHECK(expected_dim == -1 || expected_dim == r.dim);
		FUZZ_CHECK(r.dim >= 1 && r.dim <= core::kSparseMaxDim);
		FUZZ_CHECK(r.nnz >= 0 && r.nnz <= core::kSparseMaxNnz && r.nnz <= r.dim);
		FUZZ_CHECK(static_cast<std::size_t>(r.nnz) <= capacity);
		for (int i = 0; i < r.nnz; i++)
		{
			FUZZ_CHECK(indices[i] >= 0 && indices[i] < r.dim);
			FUZZ_CHECK(i == 0 || indices[i] > indices[i - 1]);
			FUZZ_CHECK(std::isfinite(values[i]) && values[i] != 0.0f);
		}

		FUZZ_CHECK(core::EncodeSparseBinary(r.dim, r.nnz, indices, values, encoded) == encoded_size);
		FUZZ_CHECK(encoded_size == len && std::memcmp(encoded, copy, len) == 0);
		delete[] encoded;
	}

	delete[] values;
	delete[] indices;
	delete[] copy;
	return 0;
}
