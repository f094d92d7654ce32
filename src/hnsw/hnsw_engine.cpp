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
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "core/parallel.h"
#include "distance/distance.h"
#include "distance/stored.h"

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

/* A sparse element is a pointer to its record, which the builder keeps */
float
SparseSpaceDistance(const void *a, const void *b, const void *param)
{
	auto	   *p = static_cast<const SpaceParams *>(param);
	const std::uint32_t *ra;
	const std::uint32_t *rb;

	std::memcpy(&ra, a, sizeof(ra));
	std::memcpy(&rb, b, sizeof(rb));
	return (float) simd::SparseRecordDistance(p->metric, ra, rb);
}

/* hnswlib's view of our kernels: dense vectors, or pointers to sparse
 * records (dims 0) */
class KernelSpace final : public hnswlib::SpaceInterface<float>
{
  public:
	KernelSpace(Metric metric, std::size_t dims) : params_{metric, dims} {}
	size_t		get_data_size() override
	{
		return params_.dims == 0 ? sizeof(const std::uint32_t *) : params_.dims * sizeof(float);
	}
	hnswlib::DISTFUNC<float> get_dist_func() override
	{
		return params_.dims == 0 ? SparseSpaceDistance : SpaceDistance;
	}
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
	/* a sparse builder's records, one block per GraphAddSparse */
	std::vector<std::unique_ptr<std::uint32_t[]>> records;
};

std::size_t
GraphBytesPerElement(std::size_t dims, std::size_t m) noexcept
{
	/* level 0 links + vector + label, a share of upper-level links, the
	 * per-element lock, level and label-map entry */
	std::size_t data = dims == 0 ? sizeof(const std::uint32_t *) : dims * sizeof(float);
	std::size_t level0 = (2 * m + 1) * sizeof(std::uint32_t) + data + 8;
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

namespace {

/* Adds n elements, element(i) giving the i-th's data, on worker threads */
template <typename ElementFn>
const char *
AddElements(GraphBuilder *builder, ElementFn element, std::size_t n,
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
				builder->graph.addPoint(element(i), first_label + i);
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

}  // namespace

const char *
GraphAdd(GraphBuilder *builder, const float *vectors, std::size_t n,
		 std::uint64_t first_label, int threads,
		 const std::function<bool(std::size_t)> &poll, std::size_t *completed) noexcept
{
	std::size_t dims = builder->dims;

	return AddElements(
		builder, [vectors, dims](std::size_t i) { return vectors + i * dims; },
		n, first_label, threads, poll, completed);
}

const char *
GraphAddSparse(GraphBuilder *builder, const std::uint32_t *records, std::size_t n,
			   std::uint64_t first_label, int threads,
			   const std::function<bool(std::size_t)> &poll, std::size_t *completed) noexcept
{
	std::vector<const std::uint32_t *> pointers;
	std::size_t words = 0;

	*completed = 0;
	try
	{
		pointers.reserve(n);
		for (std::size_t i = 0; i < n; i++)
		{
			pointers.push_back(records + words);
			words += simd::SparseRecordWords(simd::SparseRecordNnz(records[words]));
		}
		builder->records.emplace_back(new std::uint32_t[std::max<std::size_t>(words, 1)]);
	}
	catch (const std::bad_alloc &)
	{
		return "out of memory";
	}
	catch (...)
	{
		return "could not keep the sparse records";
	}

	/* hnswlib stores each element's pointer into the kept copy */
	std::uint32_t *kept = builder->records.back().get();

	std::copy(records, records + words, kept);
	for (auto &p : pointers)
		p = kept + (p - records);
	return AddElements(
		builder, [&pointers](std::size_t i) { return static_cast<const void *>(&pointers[i]); },
		n, first_label, threads, poll, completed);
}

namespace {

/* Marks what a walk through level-0 lists reaches from start */
void
Reach(const hnswlib::HierarchicalNSW<float> &g, hnswlib::tableint start,
	  std::vector<char> &reached)
{
	std::vector<hnswlib::tableint> stack{start};

	reached[start] = 1;
	while (!stack.empty())
	{
		hnswlib::tableint cur = stack.back();
		auto	   *list = g.get_linklist0(cur);
		auto	   *links = reinterpret_cast<hnswlib::tableint *>(list + 1);

		stack.pop_back();
		for (std::size_t i = 0; i < g.getListCount(list); i++)
			if (!reached[links[i]])
			{
				reached[links[i]] = 1;
				stack.push_back(links[i]);
			}
	}
}

/* Gives u an incoming level-0 link from one of near (nearest first), all
 * reached: a free slot first, else replacing a neighbour with another
 * incoming link; plus the link back when u's list has room */
bool
LinkFrom(hnswlib::HierarchicalNSW<float> &g, hnswlib::tableint u,
		 const std::vector<hnswlib::tableint> &near, std::vector<std::uint32_t> &indegree)
{
	for (int pass = 0; pass < 2; pass++)
		for (hnswlib::tableint r : near)
		{
			auto	   *list = g.get_linklist0(r);
			auto	   *links = reinterpret_cast<hnswlib::tableint *>(list + 1);
			std::size_t count = g.getListCount(list);
			std::size_t slot = count;

			if (pass == 0 && count >= g.maxM0_)
				continue;
			if (pass == 1)
			{
				/* the neighbour with the most other incoming links */
				for (std::size_t i = 0; i < count; i++)
					if (indegree[links[i]] >= 2 &&
						(slot == count || indegree[links[i]] > indegree[links[slot]]))
						slot = i;
				if (slot == count)
					continue;
				indegree[links[slot]]--;
			}
			links[slot] = u;
			if (slot == count)
				g.setListCount(list, (unsigned short) (count + 1));
			indegree[u]++;

			auto	   *own = g.get_linklist0(u);
			auto	   *own_links = reinterpret_cast<hnswlib::tableint *>(own + 1);
			std::size_t own_count = g.getListCount(own);

			if (own_count < g.maxM0_ &&
				std::find(own_links, own_links + own_count, r) == own_links + own_count)
			{
				own_links[own_count] = r;
				g.setListCount(own, (unsigned short) (own_count + 1));
				indegree[r]++;
			}
			return true;
		}
	return false;
}

}  // namespace

std::size_t
GraphConnect(GraphBuilder *builder) noexcept
{
	auto	   &g = builder->graph;
	std::size_t n = g.cur_element_count;
	std::size_t relinked = 0;

	if (n < 2)
		return 0;
	try
	{
		std::vector<std::uint32_t> indegree(n, 0);
		std::vector<char> reached(n, 0);

		for (hnswlib::tableint i = 0; i < n; i++)
		{
			auto	   *list = g.get_linklist0(i);
			auto	   *links = reinterpret_cast<hnswlib::tableint *>(list + 1);

			for (std::size_t j = 0; j < g.getListCount(list); j++)
				indegree[links[j]]++;
		}
		/* A replaced neighbour can lose its way in, hence more rounds */
		for (int round = 0; round < 4; round++)
		{
			std::size_t this_round = 0;

			std::fill(reached.begin(), reached.end(), 0);
			Reach(g, g.enterpoint_node_, reached);
			for (hnswlib::tableint u = 0; u < n; u++)
			{
				std::vector<hnswlib::tableint> near;

				if (reached[u])
					continue;
				/* the nearest nodes a search from the entry point finds,
				 * all reached by definition; nearest first */
				auto		top = g.searchBaseLayer(g.enterpoint_node_, g.getDataByInternalId(u), 0);

				for (; !top.empty(); top.pop())
					if (reached[top.top().second])
						near.push_back(top.top().second);
				std::reverse(near.begin(), near.end());
				if (!LinkFrom(g, u, near, indegree))
					continue;
				this_round++;
				Reach(g, u, reached);
			}
			relinked += this_round;
			if (this_round == 0)
				break;
		}
	}
	catch (...)
	{
		/* out of memory for the bookkeeping: the graph stays as built */
	}
	return relinked;
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

const std::uint32_t *
GraphSparseRecord(const GraphBuilder *graph, std::size_t element) noexcept
{
	const std::uint32_t *record;

	std::memcpy(&record, graph->graph.getDataByInternalId((hnswlib::tableint) element),
				sizeof(record));
	return record;
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
