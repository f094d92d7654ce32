/*-------------------------------------------------------------------------
 *
 * faiss_ivf_bench.cpp
 *		In-process FAISS reference for the IVF benchmark.
 *
 * Loads PREFIX.base.fvecs, PREFIX.query.fvecs and PREFIX.gt.ivecs (the
 * scheme of ../shared/data) and, with the lists and training vectordb's ivf
 * build uses, builds
 *	flat	faiss::IndexIVFFlat
 *	sq8		faiss::IndexIVFScalarQuantizer, QT_8bit
 *	pq		faiss::IndexIVFPQ, M = dims/16 sub-quantizers of 8 bits (or the
 *			divisor of dims nearest below, as vectordb picks; --no-pq skips it)
 * each over an IndexFlatL2 coarse quantizer.  Training: the same number of
 * rows vectordb samples, max(50 * lists, 10000) (all rows when fewer), drawn
 * at random with a fixed seed; 10 k-means iterations; PQ codebooks trained
 * with 10 iterations on 32 x 256 rows, as vectordb trains its own.  sq8 and
 * pq are FAISS's defaults otherwise: they encode residuals to the list
 * centroid (vectordb encodes the vectors themselves and re-ranks).  Build
 * (train + add) runs on --threads OpenMP threads.
 *
 * Then for each nprobe the queries are answered one at a time on one thread
 * (omp_set_num_threads(1)), measuring recall@10 against the first 10
 * ground-truth ids, QPS and p50/p99 latency.  sq8 and pq are swept twice:
 * as they are (rerank "-") and wrapped in faiss::IndexRefineFlat with
 * k_factor = RERANK / 10, so the best RERANK approximate candidates are
 * re-ranked by exact distance, as vectordb's ivf.rerank does (the refine
 * copy of the vectors is not counted in the index size; vectordb reads them
 * from the table).  A last row, "exact", times faiss::IndexFlatL2 on the
 * first --exact-nq queries, one at a time on one thread.
 *
 * Prints TSV on stdout in the columns bench/ivf_bench.py writes for
 * vectordb, so bench/ivf_bench.sh can put the two side by side; progress
 * goes to stderr.  The index size is the bytes faiss::write_index writes
 * (codes, ids, centroids, codebooks).
 *
 * Run: bench/faiss_ivf_bench PREFIX [--lists 245] [--threads 2] [--nq 1000]
 *		[--probes 1,2,4,8,16,32] [--rerank 100] [--exact-nq 20] [--no-pq]
 *
 * Built by bench/bench.mk against Debian's static libfaiss.a (1.7.3) and
 * OpenBLAS (OpenMP flavour), as the extension itself links them.
 *
 * IDENTIFICATION
 *		bench/faiss_ivf_bench.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include "bench_common.h"

namespace {

using namespace vectordb::bench;


constexpr int kTopK = 10;
/* What vectordb's ivf build uses (src/ivf/ivf_build.cpp, ivf_engine.cpp) */
constexpr std::size_t kSamplePerList = 50;
constexpr std::size_t kMinSample = 10000;
constexpr int kKmeansIterations = 10;
constexpr int kPqPointsPerCentroid = 32;
constexpr int kSeed = 1234;

struct Options
{
	std::string prefix;
	std::size_t lists = 245;
	int			threads = 2;
	std::vector<std::size_t> probes = {1, 2, 4, 8, 16, 32};
	std::size_t rerank = 100;
	std::size_t nq = 1000;
	std::size_t exact_nq = 20;
	bool		pq = true;
};

[[noreturn]] void
Usage(const char *argv0)
{
	std::fprintf(stderr,
				 "usage: %s PREFIX [--lists 245] [--threads 2] [--nq 1000]\n"
				 "       [--probes 1,2,4,8,16,32] [--rerank 100] [--exact-nq 20] [--no-pq]\n"
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
		if (arg == "--no-pq")
		{
			o.pq = false;
			continue;
		}
		if (i + 1 >= argc)
			Usage(argv[0]);
		const std::string val = argv[++i];
		if (arg == "--lists")
			o.lists = std::stoul(val);
		else if (arg == "--threads")
			o.threads = static_cast<int>(std::stoul(val));
		else if (arg == "--nq")
			o.nq = std::stoul(val);
		else if (arg == "--rerank")
			o.rerank = std::stoul(val);
		else if (arg == "--exact-nq")
			o.exact_nq = std::stoul(val);
		else if (arg == "--probes")
		{
			o.probes.clear();
			for (std::size_t pos = 0; pos <= val.size();)
			{
				std::size_t comma = val.find(',', pos);

				if (comma == std::string::npos)
					comma = val.size();
				o.probes.push_back(std::stoul(val.substr(pos, comma - pos)));
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
	if (o.prefix.empty() || o.threads <= 0 || o.lists == 0 || o.probes.empty() ||
		o.rerank < static_cast<std::size_t>(kTopK))
		Usage(argv[0]);
	return o;
}

/* Sub-quantizers as vectordb picks them: dims/16 rounded up, then down to a divisor */
std::size_t
Subquantizers(std::size_t dims)
{
	std::size_t m = std::max<std::size_t>(1, (dims + 15) / 16);

	while (dims % m != 0)
		m--;
	return m;
}

/* The training rows: `count` distinct rows at random (all when fewer), in row order */
std::vector<float>
Sample(const Vecs<float> &base, std::size_t count)
{
	std::vector<std::size_t> rows(base.n);
	std::vector<float> out;
	std::mt19937_64 rng(kSeed);

	std::iota(rows.begin(), rows.end(), 0);
	count = std::min(count, base.n);
	for (std::size_t i = 0; i < count; i++)
		std::swap(rows[i], rows[i + rng() % (base.n - i)]);
	rows.resize(count);
	std::sort(rows.begin(), rows.end());
	out.reserve(count * base.dim);
	for (std::size_t r : rows)
		out.insert(out.end(), base.Row(r), base.Row(r) + base.dim);
	return out;
}

/* Bytes faiss::write_index writes for index */
std::size_t
SerializedBytes(const faiss::Index &index)
{
	faiss::VectorIOWriter writer;

	faiss::write_index(&index, &writer);
	return writer.data.size();
}

/* What a build reports, shared by its rows */
struct Build
{
	const char *quantizer;
	std::size_t sample;
	double		sample_s;
	double		train_s;
	double		add_s;
	double		index_mib;
};

struct Sweep
{
	double		recall;
	double		qps;
	double		p50_ms;
	double		p99_ms;
};

/* Answers queries 0..nq-1 one at a time with `index` (10 warm-up queries first) */
Sweep
RunQueries(const faiss::Index &index, const Vecs<float> &queries,
		   const Vecs<std::int32_t> &gt, std::size_t nq)
{
	std::vector<double> ms(nq);
	std::vector<float> distances(kTopK);
	std::vector<faiss::Index::idx_t> labels(kTopK);
	std::size_t hits = 0;

	for (std::size_t q = 0; q < std::min<std::size_t>(nq, 10); q++)
		index.search(1, queries.Row(q), kTopK, distances.data(), labels.data());

	const Clock::time_point sweep_start = Clock::now();

	for (std::size_t q = 0; q < nq; q++)
	{
		const Clock::time_point t0 = Clock::now();

		index.search(1, queries.Row(q), kTopK, distances.data(), labels.data());
		ms[q] = Seconds(t0) * 1000.0;

		const std::int32_t *truth = gt.Row(q);

		for (faiss::Index::idx_t id : labels)
			hits += id >= 0 && std::find(truth, truth + kTopK, static_cast<std::int32_t>(id)) != truth + kTopK;
	}
	const double sweep_s = Seconds(sweep_start);

	std::sort(ms.begin(), ms.end());
	return {static_cast<double>(hits) / static_cast<double>(nq * kTopK),
			static_cast<double>(nq) / sweep_s, Quantile(ms, 0.50), Quantile(ms, 0.99)};
}

void
PrintRow(const Options &o, const Build &b, const std::string &probes, const std::string &rerank,
		 std::size_t nq, const Sweep &s, const char *plan)
{
	std::printf("faiss\t%s\t%zu\t%d\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t\t%.1f\t%s\t%s\t%zu\t%.4f\t%.1f\t%.3f\t%.3f\t%s\n",
				b.quantizer, o.lists, o.threads, b.sample, b.train_s + b.add_s, b.sample_s, b.train_s,
				b.add_s, b.index_mib, probes.c_str(), rerank.c_str(), nq, s.recall, s.qps,
				s.p50_ms, s.p99_ms, plan);
	std::fflush(stdout);
}

/* Sweeps nprobe over index (an IndexIVF, or an IndexRefineFlat around ivf) */
void
SweepProbes(const Options &o, const Build &b, faiss::IndexIVF &ivf, const faiss::Index &index,
			const std::string &rerank, const Vecs<float> &queries,
			const Vecs<std::int32_t> &gt, std::size_t nq)
{
	omp_set_num_threads(1);
	for (std::size_t probes : o.probes)
	{
		ivf.nprobe = std::min(probes, o.lists);
		const Sweep s = RunQueries(index, queries, gt, nq);

		std::fprintf(stderr, "faiss %s%s: nprobe=%zu recall %.4f, %.0f QPS, p50 %.3f ms\n",
					 b.quantizer, rerank == "-" ? "" : (", rerank " + rerank).c_str(), probes,
					 s.recall, s.qps, s.p50_ms);
		PrintRow(o, b, std::to_string(probes), rerank, nq, s, "-");
	}
}

/* Builds one IVF index (train on the sample, add every row) and sweeps it */
void
RunQuantizer(const Options &o, const char *name, const Vecs<float> &base,
			 const Vecs<float> &queries, const Vecs<std::int32_t> &gt, std::size_t nq)
{
	const std::size_t dims = base.dim;
	faiss::IndexFlatL2 coarse(dims);
	std::unique_ptr<faiss::IndexIVF> ivf;

	if (std::strcmp(name, "flat") == 0)
		ivf.reset(new faiss::IndexIVFFlat(&coarse, dims, o.lists));
	else if (std::strcmp(name, "sq8") == 0)
		ivf.reset(new faiss::IndexIVFScalarQuantizer(&coarse, dims, o.lists,
													 faiss::ScalarQuantizer::QT_8bit));
	else
	{
		auto	   *pq = new faiss::IndexIVFPQ(&coarse, dims, o.lists, Subquantizers(dims), 8);

		pq->pq.cp.niter = kKmeansIterations;
		pq->pq.cp.seed = kSeed;
		pq->pq.cp.max_points_per_centroid = kPqPointsPerCentroid;
		pq->pq.cp.min_points_per_centroid = kPqPointsPerCentroid;	/* no warning about it */
		ivf.reset(pq);
	}
	ivf->cp.niter = kKmeansIterations;
	ivf->cp.seed = kSeed;
	/* the sample is already the size vectordb trains on: no further subsampling */
	ivf->cp.max_points_per_centroid = 1 << 30;
	ivf->cp.min_points_per_centroid = 1;

	Build		b{name, 0, 0, 0, 0, 0};

	omp_set_num_threads(o.threads);
	Clock::time_point t0 = Clock::now();
	const std::vector<float> sample = Sample(base, std::max(kSamplePerList * o.lists, kMinSample));

	b.sample = sample.size() / dims;
	b.sample_s = Seconds(t0);
	t0 = Clock::now();
	ivf->train(static_cast<faiss::Index::idx_t>(b.sample), sample.data());
	b.train_s = Seconds(t0);
	t0 = Clock::now();
	ivf->add(static_cast<faiss::Index::idx_t>(base.n), base.data.data());
	b.add_s = Seconds(t0);
	b.index_mib = static_cast<double>(SerializedBytes(*ivf)) / (1024.0 * 1024.0);
	std::fprintf(stderr, "faiss %s: %zu lists, sample %zu rows; trained in %.2f s, added in %.2f s, %.1f MiB%s\n",
				 name, o.lists, b.sample, b.train_s, b.add_s, b.index_mib,
				 std::strcmp(name, "pq") == 0 ? (", m=" + std::to_string(Subquantizers(dims))).c_str() : "");

	SweepProbes(o, b, *ivf, *ivf, "-", queries, gt, nq);
	if (std::strcmp(name, "flat") != 0)
	{
		faiss::IndexRefineFlat refine(ivf.get(), base.data.data());

		refine.k_factor = static_cast<float>(o.rerank) / kTopK;
		SweepProbes(o, b, *ivf, refine, std::to_string(o.rerank), queries, gt, nq);
	}
}

/* Exact top-10 with IndexFlatL2, one query at a time on one thread */
void
RunExact(const Options &o, const Vecs<float> &base, const Vecs<float> &queries,
		 const Vecs<std::int32_t> &gt, std::size_t nq)
{
	faiss::IndexFlatL2 flat(base.dim);
	const Build b{"-", 0, 0, 0, 0, static_cast<double>(base.n * base.dim * 4) / (1024.0 * 1024.0)};
	const std::size_t exact_nq = std::min(o.exact_nq, nq);

	flat.add(static_cast<faiss::Index::idx_t>(base.n), base.data.data());
	omp_set_num_threads(1);
	const Sweep s = RunQueries(flat, queries, gt, exact_nq);

	std::fprintf(stderr, "faiss exact: recall %.4f, p50 %.3f ms\n", s.recall, s.p50_ms);
	PrintRow(o, b, "exact", "-", exact_nq, s, "IndexFlatL2, 1 thread");
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

		std::fprintf(stderr, "faiss: %zu x %zu, %zu queries; lists=%zu, build on %d threads\n",
					 base.n, base.dim, nq, o.lists, o.threads);
		std::printf("system\tquantizer\tlists\tthreads\tsample\tbuild_s\tsample_s\ttrain_s\tadd_s\tlog_s\t"
					"index_mib\tprobes\trerank\tnq\trecall\tqps\tp50_ms\tp99_ms\tplan\n");
		RunQuantizer(o, "flat", base, queries, gt, nq);
		RunQuantizer(o, "sq8", base, queries, gt, nq);
		if (o.pq)
			RunQuantizer(o, "pq", base, queries, gt, nq);
		RunExact(o, base, queries, gt, nq);
	}
	catch (const std::exception &e)
	{
		std::fprintf(stderr, "faiss_ivf_bench: %s\n", e.what());
		return 1;
	}
	return 0;
}
