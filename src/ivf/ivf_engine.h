/*-------------------------------------------------------------------------
 *
 * ivf_engine.h
 *		Training and bulk assignment for CREATE INDEX, by FAISS and BLAS.
 *
 * Pure C++ behind a plain interface.  ivf_engine.cpp is the only translation
 * unit that includes FAISS.  Every call runs FAISS on one signal-blocked
 * worker thread (core::RunWorkers), which sets the OpenMP thread count for
 * the regions it enters; OpenMP and the OpenMP build of OpenBLAS create
 * their threads from that worker, so they inherit its blocked signal mask
 * and no Postgres handler ever runs on them.  poll() runs on the caller's
 * thread; when it returns false FAISS is interrupted through its
 * InterruptCallback and the call returns "canceled".
 *
 * Nothing here throws: failures come back as a message (nullptr = success).
 *
 * IDENTIFICATION
 *		src/ivf/ivf_engine.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_IVF_ENGINE_H
#define VECTORDB_IVF_ENGINE_H

#include <cstddef>
#include <cstdint>
#include <functional>

namespace vectordb::ivf {

using Poll = std::function<bool()>;

/// k-means on n sample vectors into lists centroids (lists x dims floats).
/// spherical: centroids are normalized (inner product and cosine indexes).
const char *TrainCentroids(const float *sample, std::size_t n, std::size_t dims,
						   std::size_t lists, bool spherical, int threads,
						   const Poll &poll, float *centroids) noexcept;

/// Per-dimension ranges for 8-bit scalar quantization: codebook holds
/// vmin[dims] then vdiff[dims].
const char *TrainSq8(const float *sample, std::size_t n, std::size_t dims,
					 float *codebook) noexcept;

/// Product quantizer with m sub-quantizers of 256 centroids each: codebook
/// holds m x 256 x (dims / m) floats.
const char *TrainPq(const float *sample, std::size_t n, std::size_t dims,
					std::size_t m, int threads, const Poll &poll,
					float *codebook) noexcept;

/// Nearest centroid of each of n vectors (GEMM through BLAS); by largest
/// inner product when inner_product, else by L2.
const char *AssignLists(const float *centroids, std::size_t lists, std::size_t dims,
						bool inner_product, const float *x, std::size_t n,
						int threads, const Poll &poll, std::int32_t *assignment) noexcept;

/// PQ codes (m bytes each) of n vectors under a trained codebook.
const char *EncodePq(const float *codebook, std::size_t dims, std::size_t m,
					 const float *x, std::size_t n, int threads, const Poll &poll,
					 std::uint8_t *codes) noexcept;

}  // namespace vectordb::ivf

#endif							/* VECTORDB_IVF_ENGINE_H */
