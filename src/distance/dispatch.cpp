/*-------------------------------------------------------------------------
 *
 * dispatch.cpp
 *		Run-time choice of the distance kernel table.
 *
 * This file is compiled without any -m flags, so it runs on every x86-64
 * CPU and may decide, before anything else executes an AVX instruction,
 * whether the AVX tables are safe.  That takes two checks: cpuid says the
 * CPU has the instructions, and XCR0 (read with xgetbv) says the OS saves
 * the wider registers on a context switch.  Without the second, a kernel
 * could run fine until the first preemption and then lose register state.
 *
 * IDENTIFICATION
 *		src/distance/dispatch.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cpuid.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "distance/bit_distance.h"
#include "distance/distance.h"
#include "distance/half_distance.h"
#include "distance/kernels.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

/* Address constant, hence constant-initialized: valid before any constructor */
const Kernels *g_active = &kScalarKernels;

namespace {

/* CPUID.1:ECX */
constexpr unsigned kCpuid1EcxFma = 1u << 12;
constexpr unsigned kCpuid1EcxOsxsave = 1u << 27;
constexpr unsigned kCpuid1EcxAvx = 1u << 28;

/* CPUID.(7,0):EBX */
constexpr unsigned kCpuid7EbxAvx2 = 1u << 5;
constexpr unsigned kCpuid7EbxAvx512f = 1u << 16;

/* XCR0 state components the OS must enable */
constexpr std::uint64_t kXcr0Ymm = 0x6;		/* SSE + AVX (upper YMM) */
constexpr std::uint64_t kXcr0Zmm = 0xE6;	/* + opmask, ZMM0-15 high, ZMM16-31 */

/*
 * Reads XCR0.  Inline asm rather than _xgetbv(), which would need -mxsave
 * on this file; callers must first check OSXSAVE, or xgetbv faults.
 */
std::uint64_t
ReadXcr0() noexcept
{
	std::uint32_t eax;
	std::uint32_t edx;

	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

/* Queries cpuid and xgetbv; see DetectLevel() for the cached result */
Level
ProbeLevel() noexcept
{
	unsigned	eax, ebx, ecx, edx;

	if (!__get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx))
		return Level::kScalar;

	const bool	fma = (ecx & kCpuid1EcxFma) != 0;

	if ((ecx & kCpuid1EcxOsxsave) == 0 || (ecx & kCpuid1EcxAvx) == 0)
		return Level::kScalar;

	const std::uint64_t xcr0 = ReadXcr0();

	if ((xcr0 & kXcr0Ymm) != kXcr0Ymm)
		return Level::kScalar;

	/* __get_cpuid_count fails if leaf 7 is beyond the CPU's maximum */
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return Level::kScalar;
	if (!fma || (ebx & kCpuid7EbxAvx2) == 0)
		return Level::kScalar;

	/* The AVX-512 file is also built with -mavx2 -mfma, checked just above */
	if ((ebx & kCpuid7EbxAvx512f) != 0 && (xcr0 & kXcr0Zmm) == kXcr0Zmm)
		return Level::kAvx512;
	return Level::kAvx2;
}

}							// namespace

/* Highest level this CPU and OS support; probed once, since cpuid may trap to a hypervisor */
Level
DetectLevel() noexcept
{
	static const Level level = ProbeLevel();

	return level;
}

/* Table for a level, or nullptr if the CPU or OS cannot run it */
const Kernels *
KernelsFor(Level level) noexcept
{
	const Kernels *kernels;

	switch (level)
	{
		case Level::kScalar:
			kernels = &kScalarKernels;
			break;
		case Level::kAvx2:
			kernels = &kAvx2Kernels;
			break;
		case Level::kAvx512:
			kernels = &kAvx512Kernels;
			break;
		default:
			return nullptr;
	}
	if (static_cast<int>(level) > static_cast<int>(DetectLevel()))
		return nullptr;
	return kernels;
}

/* Installs the best table this machine supports, the half kernels to match
 * and the best popcount table */
void
Init() noexcept
{
	g_active = KernelsFor(DetectLevel());
	SelectHalfKernels(DetectLevel());
	InitBitKernels();
}

/* Installs the table for level, unless this machine cannot run it */
bool
SetLevel(Level level) noexcept
{
	const Kernels *kernels = KernelsFor(level);

	if (kernels == nullptr)
		return false;
	g_active = kernels;
	SelectHalfKernels(level);
	return true;
}

/* Every index distance goes through here, so a metric means one thing */
double
PartialDistance(Metric metric, const float *a, const float *b, std::size_t n) noexcept
{
	const Kernels &k = Active();

	switch (metric)
	{
		case Metric::kL2Squared:
			return k.l2_squared(a, b, n);
		case Metric::kNegativeInnerProduct:
			return -k.inner_product(a, b, n);
		case Metric::kL1:
			return k.l1(a, b, n);
		case Metric::kJaccard:
			{
				/* over 0/1 floats: dot = |a & b|, squared norms = |a|, |b| (exact counts) */
				double		dot;
				double		norm_a;
				double		norm_b;

				k.cosine_terms(a, b, n, &dot, &norm_a, &norm_b);
				return JaccardDistanceFromCounts({static_cast<std::uint64_t>(dot),
												  static_cast<std::uint64_t>(norm_a),
												  static_cast<std::uint64_t>(norm_b)});
			}
	}
	return 0.0;
}

/* 1 - cosine similarity, as pgvector computes it */
double
CosineDistanceFromTerms(double dot, double norm_a, double norm_b) noexcept
{
	/* pgvector returns NaN here too: 0 / sqrt(0) */
	if (norm_a == 0.0 || norm_b == 0.0)
		return std::numeric_limits<double>::quiet_NaN();

	/* Rounding can push |similarity| a hair past 1; keep the distance in [0, 2] */
	double		similarity = std::clamp(dot / std::sqrt(norm_a * norm_b), -1.0, 1.0);

	return 1.0 - similarity;
}

}							// namespace vectordb::simd
