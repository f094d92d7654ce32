/*-------------------------------------------------------------------------
 *
 * hnswlib_bench.cpp
 *		In-process hnswlib reference for the HNSW benchmark.
 *
 * Loads PREFIX.base.fvecs, PREFIX.query.fvecs and PREFIX.gt.ivecs (the
 * scheme of ../shared/data), builds an hnswlib::HierarchicalNSW with the
 * stock L2Space, adding points from T std::threads in parallel, then for
 * each ef answers the queries one at a time on one thread and measures
 * recall@10 against the first 10 ground-truth ids, QPS and p50/p99 latency.
 *
 * Prints TSV on stdout, one row per ef, in the same columns as
 * bench/hnsw_bench.py writes for vectordb, so bench/hnsw_bench.sh can put
 * the two side by side (the last column, plan, is "-" here); progress goes
 * to stderr.  The index size is what hnswlib keeps per element (level-0
 * block with vector, links and label; upper-level link lists), i.e. the size
 * saveIndex() would write.
 *
 * Run: bench/hnswlib_bench PREFIX [--m 16] [--ef-construction 64]
 *		[--threads 2] [--ef 10,20,40,80,160,320] [--nq 1000]
 *
 * Compiled with -O3 -mavx2 -mfma so hnswlib's own AVX distance is used
 * (hnswlib picks its kernel from the compiler's target macros).
 *
 * IDENTIFICATION
 *		bench/hnswlib_bench.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hnswlib/hnswlib.h>

#include "bench_common.h"

namespace {

using namespace vectordb::bench;


constexpr int kTopK = 10;

struct Options
{
	std::string prefix;
	std::size_t m = 16;
	std::size_t ef_construction = 64;
	unsigned	threads = 2;
	std::vector<std::size_t> ef = {10, 20, 40, 80, 160, 320};
	std::size_t nq = 1000;
};

[[noreturn]] void
Usage(const char *argv0)
{
	std::fprintf(stderr,
				 "usage: %s PREFIX [--m 16] [--ef-construction 64] [--threads 2]\n"
				 "       [--ef 10,20,40,80,160,320] [--nq 1000]\n"
				 "reads PREFIX.base.fvecs, PREFIX.query.fvecs, PREFIX.gt.ivecs; TSV on stdout\n",
				 argv0);
	std::exit(2);
}

/* Reads the command line into o; std::stoul throws on a malformed number */
void
ParseInto(Options &o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
	{
		const std::string arg = argv[i];

		if (arg.rfind("--", 0) != 0)
		{
			if (!o.prefix.empty())
				Usage(argv[0]);
			o.prefix = arg;
			continue;
		}
		if (i + 1 >= argc)
			Usage(argv[0]);
		const std::string val = argv[++i];
		if (arg == "--m")
			o.m = std::stoul(val);
		else if (arg == "--ef-construction")
			o.ef_construction = std::stoul(val);
		else if (arg == "--threads")
			o.threads = static_cast<unsigned>(std::stoul(val));
		else if (arg == "--nq")
			o.nq = std::stoul(val);
		else if (arg == "--ef")
		{
			o.ef.clear();
			for (std::size_t pos = 0; pos <= val.size();)
			{
				std::size_t comma = val.find(',', pos);

				if (comma == std::string::npos)
					comma = val.size();
				o.ef.push_back(std::stoul(val.substr(pos, comma - pos)));
				pos = comma + 1;
			}
		}
		else
			Usage(argv[0]);
	}
}

Options
ParseOptions(int argc, char **argv)
{
	Options		o;

	try
	{
		ParseInto(o, argc, argv);
	}
	catch (const std::logic_error &)	/* a number std::stoul cannot read */
	{
		Usage(argv[0]);
	}
	if (o.prefix.empty() || o.threads == 0 || o.ef.empty())
		Usage(argv[0]);
	return o;
}

/* Adds every base vector, label = row number, from `threads` threads */
void
BuildParallel(hnswlib::HierarchicalNSW<float> &index, const Vecs<float> &base, unsigned threads)
{
	std::atomic<std::size_t> next{0};
	std::vector<std::thread> pool;

	for (unsigned t = 0; t < threads; t++)
		pool.emplace_back([&] {
			for (std::size_t i = next++; i < base.n; i = next++)
				index.addPoint(base.Row(i), static_cast<hnswlib::labeltype>(i));
		});
	for (std::thread &th : pool)
		th.join();
}

/* Bytes hnswlib holds for the graph and vectors, as saveIndex() writes them */
std::size_t
IndexBytes(const hnswlib::HierarchicalNSW<float> &index)
{
	std::size_t bytes = index.cur_element_count * index.size_data_per_element_;

	for (std::size_t i = 0; i < index.cur_element_count; i++)
		bytes += static_cast<std::size_t>(index.element_levels_[i]) * index.size_links_per_element_;
	return bytes;
}

}							// namespace

int
main(int argc, char **argv)
{
	const Options o = ParseOptions(argc, argv);

	try
	{
		const Vecs<float> base = ReadVecs<float>(o.prefix + ".base.fvecs");
		const Vecs<float> queries = ReadVecs<float>(o.prefix + ".query.fvecs");
		const Vecs<std::int32_t> gt = ReadVecs<std::int32_t>(o.prefix + ".gt.ivecs");
		const std::size_t nq = std::min({o.nq, queries.n, gt.n});

		if (queries.dim != base.dim || gt.dim < static_cast<std::size_t>(kTopK))
			throw std::runtime_error("dataset files do not match");

		std::fprintf(stderr, "hnswlib: %zu x %zu, %zu queries; building m=%zu ef_construction=%zu, %u threads\n",
					 base.n, base.dim, nq, o.m, o.ef_construction, o.threads);

		hnswlib::L2Space space(base.dim);
		hnswlib::HierarchicalNSW<float> index(&space, base.n, o.m, o.ef_construction);
		const Clock::time_point build_start = Clock::now();

		BuildParallel(index, base, o.threads);
		const double build_s = Seconds(build_start);
		const double index_mib = static_cast<double>(IndexBytes(index)) / (1024.0 * 1024.0);

		std::fprintf(stderr, "hnswlib: built in %.2f s, %.1f MiB\n", build_s, index_mib);
		std::printf("system\tm\tef_construction\tthreads\tbuild_s\tindex_mib\tef_search\tnq\trecall\tqps\tp50_ms\tp99_ms\tplan\n");

		for (std::size_t ef : o.ef)
		{
			std::vector<double> ms(nq);
			std::size_t hits = 0;

			index.setEf(ef);
			/* Warm-up: the first queries of each setting are not timed */
			for (std::size_t q = 0; q < std::min<std::size_t>(nq, 10); q++)
				index.searchKnn(queries.Row(q), kTopK);

			const Clock::time_point sweep_start = Clock::now();

			for (std::size_t q = 0; q < nq; q++)
			{
				const Clock::time_point t0 = Clock::now();
				auto		result = index.searchKnn(queries.Row(q), kTopK);

				ms[q] = Seconds(t0) * 1000.0;
				for (; !result.empty(); result.pop())
				{
					const std::int32_t id = static_cast<std::int32_t>(result.top().second);
					const std::int32_t *truth = gt.Row(q);

					hits += std::find(truth, truth + kTopK, id) != truth + kTopK;
				}
			}
			const double sweep_s = Seconds(sweep_start);

			std::sort(ms.begin(), ms.end());
			std::printf("hnswlib\t%zu\t%zu\t%u\t%.3f\t%.1f\t%zu\t%zu\t%.4f\t%.0f\t%.3f\t%.3f\t-\n",
						o.m, o.ef_construction, o.threads, build_s, index_mib, ef, nq,
						static_cast<double>(hits) / static_cast<double>(nq * kTopK),
						static_cast<double>(nq) / sweep_s, Quantile(ms, 0.50), Quantile(ms, 0.99));
			std::fflush(stdout);
		}
	}
	catch (const std::exception &e)
	{
		std::fprintf(stderr, "hnswlib_bench: %s\n", e.what());
		return 1;
	}
	return 0;
}
