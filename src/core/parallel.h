/*-------------------------------------------------------------------------
 *
 * parallel.h
 *		Worker threads that can never receive a Postgres signal.
 *
 * Pure C++.  RunWorkers starts N std::threads with every signal blocked
 * (the backend's handlers must only ever run on the backend's own thread),
 * runs work(worker_index) on each, and meanwhile calls poll() on the calling
 * thread every few milliseconds.  When poll() returns false the shared stop
 * flag is raised; workers are expected to check it and return early.
 *
 * IDENTIFICATION
 *		src/core/parallel.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_CORE_PARALLEL_H
#define VECTORDB_CORE_PARALLEL_H

#include <atomic>
#include <functional>

namespace vectordb::core {

/// Runs work(i) for i in [0, workers) on signal-blocked threads, polling
/// poll() on the caller's thread until all return.  Returns false when poll()
/// asked to stop (stop is then true), true otherwise.  Never throws: a worker
/// exception is reported through *error and raises stop.
bool RunWorkers(int workers, const std::function<void(int)> &work,
				const std::function<bool()> &poll, std::atomic<bool> &stop,
				const char **error) noexcept;

}  // namespace vectordb::core

#endif							/* VECTORDB_CORE_PARALLEL_H */
