/*-------------------------------------------------------------------------
 *
 * parallel.cpp
 *		Signal-blocked worker threads with a polling caller.
 *
 * IDENTIFICATION
 *		src/core/parallel.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/parallel.h"

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/cpp_only.h"

namespace vectordb::core {

bool
RunWorkers(int workers, const std::function<void(int)> &work,
		   const std::function<bool()> &poll, std::atomic<bool> &stop,
		   const char **error) noexcept
{
	std::mutex	mutex;
	std::condition_variable done_cv;
	int			running = 0;
	bool		cancelled = false;
	const char *first_error = nullptr;
	std::vector<std::thread> threads;

	/* Threads inherit the creating thread's mask: block all, restore after */
	sigset_t	all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	try
	{
		threads.reserve(workers);
		for (int i = 0; i < workers; i++)
		{
			{
				std::lock_guard<std::mutex> guard(mutex);
				running++;
			}
			threads.emplace_back([&, i] {
				try
				{
					work(i);
				}
				catch (const std::bad_alloc &)
				{
					std::lock_guard<std::mutex> guard(mutex);
					if (!first_error)
						first_error = "out of memory";
					stop = true;
				}
				catch (const std::exception &)
				{
					std::lock_guard<std::mutex> guard(mutex);
					if (!first_error)
						first_error = "worker failed";
					stop = true;
				}
				catch (...)
				{
					std::lock_guard<std::mutex> guard(mutex);
					if (!first_error)
						first_error = "worker failed";
					stop = true;
				}
				std::lock_guard<std::mutex> guard(mutex);
				running--;
				done_cv.notify_all();
			});
		}
	}
	catch (...)
	{
		/* Could not start a thread: stop those that did start */
		std::lock_guard<std::mutex> guard(mutex);
		running -= workers - (int) threads.size();
		if (!first_error)
			first_error = "could not start worker thread";
		stop = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);

	for (;;)
	{
		std::unique_lock<std::mutex> lock(mutex);
		if (done_cv.wait_for(lock, std::chrono::milliseconds(10),
							 [&] { return running == 0; }))
			break;
		lock.unlock();
		if (!cancelled && !poll())
		{
			cancelled = true;
			stop = true;
		}
	}
	for (auto &t : threads)
		t.join();
	if (error)
		*error = first_error;
	return !cancelled;
}

}  // namespace vectordb::core
