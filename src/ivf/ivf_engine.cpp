/*-------------------------------------------------------------------------
 *
 * ivf_engine.cpp
 *		FAISS k-means, SQ8 and PQ training, and BLAS list assignment.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_engine.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf_engine.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/ProductQuantizer.h>
#include <faiss/impl/ScalarQuantizer.h>

#include "core/parallel.h"

#include "core/cpp_only.h"

namespace vectordb::ivf {

namespace {

/* Fixed, so the same table and options always build the same index */
constexpr int kSeed = 1234;
/* Lloyd iterations: recall at equal probes measured the same at 10 as at 20 */
constexpr int kKmeansIterations = 10;
constexpr int kPqIterations = 10;
/* 32 x 256 rows train each codebook: the scan re-ranks pq candidates
 * exactly, so codebooks need to rank well, not reconstruct well */
constexpr int kPqPointsPerCentroid = 32;

/* FAISS polls this between iterations and GEMM blocks */
class StopFlag : public faiss::InterruptCallback
{
  public:
	explicit StopFlag(const std::atomic<bool> *stop) : stop_(stop) {}
	bool		want_interrupt() override
	{
		return stop_->load(std::memory_order_relaxed);
	}

  private:
	const std::atomic<bool> *stop_;
};

/*
 * Runs body on one signal-blocked worker with OpenMP sized to threads.
 * The callback instance is process-wide, but a backend builds one index at
 * a time, so one is installed per call and removed after.
 */
const char *
RunFaiss(int threads, const Poll &poll, const std::function<void()> &body) noexcept
{
	std::atomic<bool> stop{false};
	const char *error = nullptr;
	const char *failure = nullptr;
	static thread_local std::string message;

	{
		std::lock_guard<std::mutex> guard(faiss::InterruptCallback::lock);
		faiss::InterruptCallback::instance.reset(new StopFlag(&stop));
	}
	bool		finished = core::RunWorkers(
		1,
		[&](int) {
			omp_set_num_threads(std::max(1, threads));
			try
			{
				body();
			}
			catch (const std::exception &e)
			{
				if (!stop.load())
				{
					message = e.what();
					failure = message.c_str();
				}
			}
			catch (...)
			{
				failure = "unknown FAISS error";
			}
		},
		[&] { return poll(); }, stop, &error);

	{
		std::lock_guard<std::mutex> guard(faiss::InterruptCallback::lock);
		faiss::InterruptCallback::instance.reset();
	}
	if (!finished)
		return "canceled";
	return error ? error : failure;
}

}  // namespace

const char *
TrainCentroids(const float *sample, std::size_t n, std::size_t dims,
			   std::size_t lists, bool spherical, int threads,
			   const Poll &poll, float *centroids) noexcept
{
	return RunFaiss(threads, poll, [&] {
		faiss::ClusteringParameters params;

		params.niter = kKmeansIterations;
		params.seed = kSeed;
		params.spherical = spherical;
		/* the caller already sampled within maintenance_work_mem */
		params.max_points_per_centroid = std::max<int>(1, (int) std::min<std::size_t>(n, 1 << 30));
		params.min_points_per_centroid = 1;

		faiss::Clustering clustering(dims, lists, params);
		std::unique_ptr<faiss::IndexFlat> index;

		if (spherical)
			index.reset(new faiss::IndexFlatIP(dims));
		else
			index.reset(new faiss::IndexFlatL2(dims));
		clustering.train(n, sample, *index);
		std::copy(clustering.centroids.begin(), clustering.centroids.end(), centroids);
	});
}

const char *
TrainSq8(const float *sample, std::size_t n, std::size_t dims, float *codebook) noexcept
{
	try
	{
		faiss::ScalarQuantizer sq(dims, faiss::ScalarQuantizer::QT_8bit);

		sq.rangestat = faiss::ScalarQuantizer::RS_minmax;
		sq.train(n, sample);
		if (sq.trained.size() != 2 * dims)
			return "unexpected scalar quantizer training result";
		std::copy(sq.trained.begin(), sq.trained.end(), codebook);
		return nullptr;
	}
	catch (const std::exception &e)
	{
		static thread_local std::string message;

		message = e.what();
		return message.c_str();
	}
}

const char *
TrainPq(const float *sample, std::size_t n, std::size_t dims, std::size_t m,
		int threads, const Poll &poll, float *codebook) noexcept
{
	return RunFaiss(threads, poll, [&] {
		faiss::ProductQuantizer pq(dims, m, 8);

		pq.cp.niter = kPqIterations;
		pq.cp.seed = kSeed;
		/* FAISS subsamples to this many rows per sub-quantizer */
		pq.cp.max_points_per_centroid = kPqPointsPerCentroid;
		pq.train(n, sample);
		std::copy(pq.centroids.begin(), pq.centroids.end(), codebook);
	});
}

const char *
AssignLists(const float *centroids, std::size_t lists, std::size_t dims,
			bool inner_product, const float *x, std::size_t n,
			int threads, const Poll &poll, std::int32_t *assignment) noexcept
{
	return RunFaiss(threads, poll, [&] {
		std::unique_ptr<faiss::IndexFlat> index;
		std::vector<float> distances(n);
		std::vector<faiss::Index::idx_t> labels(n);

		if (inner_product)
			index.reset(new faiss::IndexFlatIP(dims));
		else
			index.reset(new faiss::IndexFlatL2(dims));
		index->add(lists, centroids);
		index->search(n, x, 1, distances.data(), labels.data());
		for (std::size_t i = 0; i < n; i++)
			assignment[i] = (std::int32_t) std::max<faiss::Index::idx_t>(labels[i], 0);
	});
}

const char *
EncodePq(const float *codebook, std::size_t dims, std::size_t m,
		 const float *x, std::size_t n, int threads, const Poll &poll,
		 std::uint8_t *codes) noexcept
{
	return RunFaiss(threads, poll, [&] {
		faiss::ProductQuantizer pq(dims, m, 8);

		std::copy(codebook, codebook + pq.centroids.size(), pq.centroids.begin());
		pq.compute_codes(x, codes, n);
	});
}

}  // namespace vectordb::ivf
