/*-------------------------------------------------------------------------
 *
 * hnsw_engine.h
 *		In-memory HNSW graph for CREATE INDEX, built by hnswlib.
 *
 * Pure C++ behind a plain interface: the build phase (hnsw_build.cpp) feeds
 * batches of vectors, then reads the finished graph back element by element
 * to write index pages.  hnswlib's headers define non-inline functions, so
 * hnsw_engine.cpp is the only translation unit that includes them; it hands
 * hnswlib vectordb's own SIMD kernels through a custom SpaceInterface.
 *
 * Nothing here throws: failures come back as a message (nullptr = success).
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_engine.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_HNSW_ENGINE_H
#define VECTORDB_HNSW_ENGINE_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "distance/distance.h"

namespace vectordb::hnsw {

/// The graph is built on the index's metric (cosine: normalized vectors
/// under kNegativeInnerProduct), measured by simd::PartialDistance.
using simd::Metric;
using simd::PartialDistance;

class GraphBuilder;

/// Bytes of memory the builder needs per element (vector, links,
/// bookkeeping); dims 0: a sparse builder's, whose records come on top.
std::size_t GraphBytesPerElement(std::size_t dims, std::size_t m) noexcept;

/// Creates a builder for up to capacity elements; nullptr and *error on
/// failure.  dims 0: elements are sparse records (distance/stored.h),
/// added with GraphAddSparse and measured by SparseRecordDistance.
GraphBuilder *GraphCreate(std::size_t dims, Metric metric, std::size_t m,
						  std::size_t ef_construction, std::size_t capacity,
						  const char **error) noexcept;
void		GraphDestroy(GraphBuilder *graph) noexcept;

/// Adds n vectors (row-major, dims floats each) labelled first_label.. on
/// `threads` signal-blocked threads.  poll() runs on the calling thread every
/// few ms; returning false cancels.  Returns nullptr on success, "canceled"
/// when poll() stopped it, or an error message.  *completed: how many of
/// the n (always a prefix) are in the graph.
const char *GraphAdd(GraphBuilder *graph, const float *vectors, std::size_t n,
					 std::uint64_t first_label, int threads,
					 const std::function<bool(std::size_t added)> &poll,
					 std::size_t *completed) noexcept;

/// GraphAdd for a sparse builder: records holds n sparse records back to
/// back, which the builder copies and keeps.
const char *GraphAddSparse(GraphBuilder *graph, const std::uint32_t *records, std::size_t n,
						   std::uint64_t first_label, int threads,
						   const std::function<bool(std::size_t added)> &poll,
						   std::size_t *completed) noexcept;

/// Makes every element reachable from the entry point through level-0
/// links: hnswlib's neighbour heuristic can prune away a node's every
/// incoming link.  Each unreached element gets a link from its nearest
/// reached one (a free slot, else in place of a neighbour that other lists
/// also point at) and the link back if its own list has room.  Single
/// threaded, after the last GraphAdd.  Returns how many were relinked.
std::size_t GraphConnect(GraphBuilder *graph) noexcept;

/// Reading the finished graph.  Elements are numbered 0..GraphCount()-1 in
/// insertion order.
std::size_t GraphCount(const GraphBuilder *graph) noexcept;
std::size_t GraphCapacity(const GraphBuilder *graph) noexcept;
int			GraphLevel(const GraphBuilder *graph, std::size_t element) noexcept;
std::uint64_t GraphLabel(const GraphBuilder *graph, std::size_t element) noexcept;
const float *GraphVector(const GraphBuilder *graph, std::size_t element) noexcept;
/// A sparse builder's record of element.
const std::uint32_t *GraphSparseRecord(const GraphBuilder *graph, std::size_t element) noexcept;
/// Neighbour element numbers of element at level; returns the count.
std::size_t GraphNeighbors(const GraphBuilder *graph, std::size_t element,
						   int level, const std::uint32_t **neighbors) noexcept;
/// Entry point element, or -1 when empty.
long		GraphEntryPoint(const GraphBuilder *graph) noexcept;

}  // namespace vectordb::hnsw

#endif							/* VECTORDB_HNSW_ENGINE_H */
