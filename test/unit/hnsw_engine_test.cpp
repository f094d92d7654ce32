/*-------------------------------------------------------------------------
 *
 * hnsw_engine_test.cpp
 *		Unit tests of the in-memory build graph (hnswlib behind
 *		hnsw_engine.h): elements, labels, and GraphConnect's promise that
 *		every element is reachable from the entry point through level-0 links.
 *
 * IDENTIFICATION
 *		test/unit/hnsw_engine_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "hnsw/hnsw_engine.h"

#include "core/cpp_only.h"

namespace vectordb::hnsw {
namespace {

/* Elements a walk through level-0 lists reaches from the entry point */
std::size_t
Reachable(const GraphBuilder *graph)
{
	std::vector<char> seen(GraphCount(graph), 0);
	std::vector<std::size_t> stack{(std::size_t) GraphEntryPoint(graph)};
	std::size_t count = 1;

	seen[stack[0]] = 1;
	while (!stack.empty())
	{
		const std::uint32_t *links;
		std::size_t n = GraphNeighbors(graph, stack.back(), 0, &links);

		stack.pop_back();
		for (std::size_t i = 0; i < n; i++)
			if (!seen[links[i]])
			{
				seen[links[i]] = 1;
				count++;
				stack.push_back(links[i]);
			}
	}
	return count;
}

/* Tight clusters of near-duplicates: the neighbour heuristic prunes hard */
std::vector<float>
Clustered(std::size_t n, std::size_t dims, unsigned seed)
{
	std::mt19937 rng(seed);
	std::normal_distribution<float> centre(0.0f, 10.0f);
	std::normal_distribution<float> noise(0.0f, 0.01f);
	std::vector<float> centres(20 * dims);
	std::vector<float> v(n * dims);

	for (auto &c : centres)
		c = centre(rng);
	for (std::size_t i = 0; i < n; i++)
		for (std::size_t d = 0; d < dims; d++)
			v[i * dims + d] = centres[(i % 20) * dims + d] + noise(rng);
	return v;
}

/* A graph of m, ef_construction 4m, room for n of dims, or a test failure */
GraphBuilder *
NewGraph(std::size_t n, std::size_t dims, std::size_t m)
{
	const char *error = nullptr;
	GraphBuilder *graph = GraphCreate(dims, Metric::kL2Squared, m, 4 * m, n, &error);

	EXPECT_NE(graph, nullptr) << error;
	return graph;
}

/* Adds n vectors labelled first.. on threads threads until poll says stop */
const char *
AddAll(GraphBuilder *graph, const std::vector<float> &v, std::size_t n, std::uint64_t first,
	   int threads, bool go_on, std::size_t *completed)
{
	return GraphAdd(graph, v.data(), n, first, threads, [go_on](std::size_t) { return go_on; }, completed);
}

TEST(HnswEngine, AddKeepsLabelsAndVectors)
{
	std::vector<float> v = Clustered(500, 4, 1);
	GraphBuilder *graph = NewGraph(500, 4, 8);
	std::size_t completed = 0;

	ASSERT_NE(graph, nullptr);
	ASSERT_EQ(AddAll(graph, v, 500, 1000, 2, true, &completed), nullptr);
	EXPECT_EQ(completed, 500u);
	EXPECT_EQ(GraphCount(graph), 500u);
	for (std::size_t e = 0; e < GraphCount(graph); e++)
	{
		std::uint64_t label = GraphLabel(graph, e);

		ASSERT_GE(label, 1000u);
		ASSERT_LT(label, 1500u);
		EXPECT_EQ(GraphVector(graph, e)[0], v[(label - 1000) * 4]);
	}
	GraphDestroy(graph);
}

TEST(HnswEngine, CanceledAddLeavesAPrefix)
{
	std::vector<float> v = Clustered(2000, 4, 2);
	GraphBuilder *graph = NewGraph(2000, 4, 8);
	std::size_t completed = 0;

	ASSERT_NE(graph, nullptr);
	EXPECT_STREQ(AddAll(graph, v, 2000, 0, 2, false, &completed), "canceled");
	EXPECT_LE(completed, 2000u);
	EXPECT_EQ(GraphCount(graph), completed);
	GraphDestroy(graph);
}

TEST(HnswEngine, ConnectReachesEveryElement)
{
	/* m = 2 on near-duplicates: some elements lose every incoming link */
	for (unsigned seed = 1; seed <= 5; seed++)
	{
		std::vector<float> v = Clustered(3000, 3, seed);
		GraphBuilder *graph = NewGraph(3000, 3, 2);
		std::size_t completed = 0;
		std::size_t before;
		std::size_t relinked;

		ASSERT_NE(graph, nullptr);
		ASSERT_EQ(AddAll(graph, v, 3000, 0, 1, true, &completed), nullptr);
		before = Reachable(graph);
		/* the case this test is about does arise (a few hundred reached) */
		EXPECT_LT(before, 3000u) << "seed " << seed;
		relinked = GraphConnect(graph);
		EXPECT_EQ(Reachable(graph), 3000u) << "seed " << seed << ": " << before
										   << " reachable before, " << relinked << " relinked";
		/* a second pass finds nothing left to do */
		EXPECT_EQ(GraphConnect(graph), 0u);
		GraphDestroy(graph);
	}
}

}  // namespace
}  // namespace vectordb::hnsw
