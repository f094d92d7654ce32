/*-------------------------------------------------------------------------
 *
 * hnsw_engine.cpp
 *		hnswlib behind a plain interface; the only includer of hnswlib.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_engine.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw_engine.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>

#include "core/parallel.h"
#include "distance/distance.h"

#include "core/cpp_only.h"

namespace vectordb::hnsw {

namespace {

struct SpaceParams
{
	Metric		metric;
	std::size_t dims;
};

float
SpaceDistance(const void *a, const void *b, const void *param)
{
	auto	   *p = static_cast<const SpaceParams *>(param);

	return (float) PartialDistance(p->metric, static_cast<const float *>(a),
								   static_cast<const float *>(b), p->dims);
}

/* hnswlib's view of our kernels */
class KernelSpace final : public hnswlib::SpaceInterface<float>
{
  public:
	KernelSpace(Metric metric, std::size_t dims) : params_{metric, dims} {}
	size_t		get_data_size() override { return params_.dims * sizeof(float); }
	hnswlib::DISTFUNC<float> get_dist_func() override { return SpaceDistance; }
	void	   *get_dist_func_param() override { return &params_; }

  private:
	SpaceParams params_;
};

}  // namespace

class GraphBuilder
{
  public:
	GraphBuilder(std::size_t dims, Metric metric, std::size_t m,
				 std::size_t ef_construction, std::size_t capacity)
		: space(metric, dims),
		  graph(&space, capacity, m, ef_construction, /* random_seed */ 42),
		  dims(dims) {}

	KernelSpace space;
	hnswlib::HierarchicalNSW<float> graph;
	std::size_t dims;
};

std::size_t
GraphBytesPerElement(std::size_t dims, std::size_t m) noexcept
{
	/* level 0 links + vector + label, a share of upper-level links, the
	 * per-element lock, level and label-map entry */
	std::size_t level0 = (2 * m + 1) * sizeof(std::uint32_t) + dims * sizeof(float) + 8;
	std::size_t upper = (m + 1) * sizeof(std::uint32_t) / (m > 1 ? m - 1 : 1) + sizeof(void *);

	return level0 + upper + sizeof(std::mutex) + sizeof(int) + 48;
}

GraphBuilder *
GraphCreate(std::size_t dims, Metric metric, std::size_t m,
			std::size_t ef_construction, std::size_t capacity,
			const char **error) noexcept
{
	try
	{
		*error = nullptr;
		return new GraphBuilder(dims, metric, m, ef_construction, std::max<std::size_t>(capacity, 1));
	}
	catch (const std::bad_alloc &)
	{
		*error = "out of memory";
	}
	catch (...)
	{
		*error = "could not create the in-memory graph";
	}
	return nullptr;
}

void
GraphDestroy(GraphBuilder *graph) noexcept
{
	delete graph;
}

const char *
GraphAdd(GraphBuilder *builder, const float *vectors, std::size_t n,
		 std::uint64_t first_label, int threads,
		 const std::function<bool(std::size_t)> &poll, std::size_t *completed) noexcept
{
	std::atomic<std::size_t> next{0};
	std::atomic<std::size_t> added{0};
	std::atomic<bool> stop{false};
	const char *error = nullptr;

	*completed = 0;
	if (n == 0)
		return nullptr;
	threads = (int) std::max<std::size_t>(1, std::min<std::size_t>(threads, n));

	bool		finished = core::RunWorkers(
		threads,
		[&](int) {
			std::size_t i;

			while (!stop.load(std::memory_order_relaxed) &&
				   (i = next.fetch_add(1, std::memory_order_relaxed)) < n)
			{
				builder->graph.addPoint(vectors + i * builder->dims, first_label + i);
				added.fetch_add(1, std::memory_order_relaxed);
			}
		},
		[&] { return poll(added.load(std::memory_order_relaxed)); },
		stop, &error);

	/* A worker checks stop before it claims an element and always finishes
	 * what it claimed, so the claimed ones are a completed prefix */
	*completed = std::min(next.load(), n);
	if (!finished)
		return "canceled";
	return error;
}

std::size_t
GraphCount(const GraphBuilder *graph) noexcept
{
	return graph->graph.cur_element_count;
}

std::size_t
GraphCapacity(const GraphBuilder *graph) noexcept
{
	return graph->graph.max_elements_;
}

int
GraphLevel(const GraphBuilder *graph, std::size_t element) noexcept
{
	return graph->graph.element_levels_[element];
}

std::uint64_t
GraphLabel(const GraphBuilder *graph, std::size_t element) noexcept
{
	return graph->graph.getExternalLabel((hnswlib::tableint) element);
}

const float *
GraphVector(const GraphBuilder *graph, std::size_t element) noexcept
{
	return reinterpret_cast<const float *>(
		graph->graph.getDataByInternalId((hnswlib::tableint) element));
}

std::size_t
GraphNeighbors(const GraphBuilder *graph, std::size_t element, int level,
			   const std::uint32_t **neighbors) noexcept
{
	auto	   *list = graph->graph.get_linklist_at_level((hnswlib::tableint) element, level);

	*neighbors = reinterpret_cast<const std::uint32_t *>(list + 1);
	return graph->graph.getListCount(list);
}

long
GraphEntryPoint(const GraphBuilder *graph) noexcept
{
	if (graph->graph.cur_element_count == 0)
		return -1;
	return (long) graph->graph.enterpoint_node_;
}

}  // namespace vectordb::hnsw
