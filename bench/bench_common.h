/*-------------------------------------------------------------------------
 *
 * bench_common.h
 *		What the in-process reference benchmarks share: reading fvecs/ivecs
 *		files, wall-clock seconds and latency quantiles.
 *
 * IDENTIFICATION
 *		bench/bench_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_BENCH_COMMON_H
#define VECTORDB_BENCH_COMMON_H

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vectordb::bench {

using Clock = std::chrono::steady_clock;

/* Rows of an fvecs/ivecs file: each row is int32 dim, then dim 4-byte values */
template <typename T>
struct Vecs
{
	std::size_t n = 0;
	std::size_t dim = 0;
	std::vector<T> data;			/* n x dim, row-major */

	const T *Row(std::size_t i) const { return data.data() + i * dim; }
};

/* Reads a whole fvecs (T = float) or ivecs (T = int32) file */
template <typename T>
inline Vecs<T>
ReadVecs(const std::string &path)
{
	std::ifstream in(path, std::ios::binary | std::ios::ate);
	std::int32_t dim = 0;
	Vecs<T>		v;

	if (!in)
		throw std::runtime_error("cannot open " + path);
	const std::size_t bytes = static_cast<std::size_t>(in.tellg());
	in.seekg(0);
	if (!in.read(reinterpret_cast<char *>(&dim), sizeof(dim)) || dim <= 0)
		throw std::runtime_error("bad header in " + path);
	const std::size_t row_bytes = (static_cast<std::size_t>(dim) + 1) * 4;
	if (bytes % row_bytes != 0)
		throw std::runtime_error("size of " + path + " is not a multiple of its rows");

	v.n = bytes / row_bytes;
	v.dim = static_cast<std::size_t>(dim);
	v.data.resize(v.n * v.dim);
	in.seekg(0);
	for (std::size_t i = 0; i < v.n; i++)
	{
		in.seekg(4, std::ios::cur);	/* the row's own dim */
		in.read(reinterpret_cast<char *>(v.data.data() + i * v.dim),
				static_cast<std::streamsize>(v.dim * sizeof(T)));
	}
	if (!in)
		throw std::runtime_error("short read in " + path);
	return v;
}

inline double
Seconds(Clock::time_point since)
{
	return std::chrono::duration<double>(Clock::now() - since).count();
}

/* Value at quantile q of sorted values (nearest rank) */
inline double
Quantile(const std::vector<double> &sorted, double q)
{
	std::size_t rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size()) + 0.999999);

	rank = std::clamp<std::size_t>(rank, 1, sorted.size());
	return sorted[rank - 1];
}

}  // namespace vectordb::bench

#endif							/* VECTORDB_BENCH_COMMON_H */
