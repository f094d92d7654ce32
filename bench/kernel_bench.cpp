/*-------------------------------------------------------------------------
 *
 * kernel_bench.cpp
 *		Throughput of each distance kernel at each supported SIMD level.
 *
 * One benchmark per level x metric x dimension, named
 * <metric>/<level>/<dim>, so the scalar rows sit beside the SIMD rows they
 * are compared with.  Both vectors stay in L1 cache: this measures the
 * kernels' arithmetic, not memory bandwidth (a sequential scan over a table
 * is usually bound by the latter).  items_per_second counts vector pairs.
 *
 * Run: bench/kernel_bench [--benchmark_filter=l2_squared]
 *
 * IDENTIFICATION
 *		bench/kernel_bench.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "distance/distance.h"

#include "core/cpp_only.h"

namespace vectordb::simd {
namespace {

/* Common embedding sizes: small (SIFT-like), BERT-base, OpenAI ada-002 */
const std::int64_t kDims[] = {128, 768, 1536};

const Level kLevels[] = {Level::kScalar, Level::kAvx2, Level::kAvx512};

/* Seeded random data in [-1, 1), so every run times the same inputs */
std::vector<float>
RandomVector(std::size_t n, unsigned seed)
{
	std::mt19937 rng(seed);
	std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
	std::vector<float> v(n);

	for (float &x : v)
		x = dist(rng);
	return v;
}

/* Records pairs and bytes (both vectors read once per call) per iteration */
void
SetCounters(benchmark::State &state, std::size_t dim)
{
	state.SetItemsProcessed(state.iterations());
	state.SetBytesProcessed(state.iterations() *
							static_cast<std::int64_t>(2 * dim * sizeof(float)));
}

/* One kernel returning a double: l2_squared, inner_product or l1 */
void
BenchScalarResult(benchmark::State &state, double (*fn) (const float *, const float *, std::size_t))
{
	const std::size_t dim = static_cast<std::size_t>(state.range(0));
	std::vector<float> a = RandomVector(dim, 1);
	std::vector<float> b = RandomVector(dim, 2);

	for (auto _ : state)
	{
		/* Stop the compiler from assuming the inputs are unchanged between calls */
		benchmark::DoNotOptimize(a.data());
		benchmark::DoNotOptimize(b.data());
		double		d = fn(a.data(), b.data(), dim);

		benchmark::DoNotOptimize(d);
	}
	SetCounters(state, dim);
}

/* The three-sum cosine kernel */
void
BenchCosineTerms(benchmark::State &state, CosineTermsFn fn)
{
	const std::size_t dim = static_cast<std::size_t>(state.range(0));
	std::vector<float> a = RandomVector(dim, 1);
	std::vector<float> b = RandomVector(dim, 2);

	for (auto _ : state)
	{
		double		dot, na, nb;

		benchmark::DoNotOptimize(a.data());
		benchmark::DoNotOptimize(b.data());
		fn(a.data(), b.data(), dim, &dot, &na, &nb);
		benchmark::DoNotOptimize(dot);
		benchmark::DoNotOptimize(na);
		benchmark::DoNotOptimize(nb);
	}
	SetCounters(state, dim);
}

/* Adds the common settings to a registered benchmark */
void
Configure(benchmark::internal::Benchmark *b)
{
	for (std::int64_t dim : kDims)
		b->Arg(dim);
	/* 36 benchmarks x ~0.2 s keeps a whole run well under a minute */
	b->MinTime(0.2)->Unit(benchmark::kNanosecond);
}

/* Registers every metric for every level this CPU supports */
void
RegisterAll()
{
	for (Level level : kLevels)
	{
		const Kernels *k = KernelsFor(level);

		if (k == nullptr)
			continue;

		const std::string name = k->name;

		Configure(benchmark::RegisterBenchmark(("l2_squared/" + name).c_str(),
											   BenchScalarResult, k->l2_squared));
		Configure(benchmark::RegisterBenchmark(("inner_product/" + name).c_str(),
											   BenchScalarResult, k->inner_product));
		Configure(benchmark::RegisterBenchmark(("cosine_terms/" + name).c_str(),
											   BenchCosineTerms, k->cosine_terms));
		Configure(benchmark::RegisterBenchmark(("l1/" + name).c_str(),
											   BenchScalarResult, k->l1));
	}
}

}							// namespace
}							// namespace vectordb::simd

/* Custom main: which benchmarks exist depends on the CPU */
int
main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	vectordb::simd::RegisterAll();
	benchmark::AddCustomContext("simd_level",
								vectordb::simd::KernelsFor(vectordb::simd::DetectLevel())->name);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
