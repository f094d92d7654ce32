/*-------------------------------------------------------------------------
 *
 * bit_dispatch.cpp
 *		Run-time choice of the popcount kernel table.
 *
 * Compiled without any -m flag or target attribute, like dispatch.cpp, so
 * it runs on every x86-64 CPU.  POPCNT needs only its cpuid bit.  VPOPCNTDQ
 * needs its own and AVX-512F's cpuid bits, and XCR0 must show the OS saving
 * the opmask and ZMM state (see dispatch.cpp for why that second check
 * matters).
 *
 * IDENTIFICATION
 *		src/distance/bit_dispatch.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cpuid.h>

#include <cstdint>

#include "distance/bit_distance.h"
#include "distance/kernels_bit.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

/* Address constant, hence constant-initialized: valid before any constructor */
const BitKernels *g_bit_active = &kScalarBitKernels;

namespace {

/* CPUID.1:ECX */
constexpr unsigned kCpuid1EcxPopcnt = 1u << 23;
constexpr unsigned kCpuid1EcxOsxsave = 1u << 27;

/* CPUID.(7,0):EBX and ECX */
constexpr unsigned kCpuid7EbxAvx512f = 1u << 16;
constexpr unsigned kCpuid7EcxAvx512Vpopcntdq = 1u << 14;

/* XCR0: SSE, AVX, opmask, ZMM0-15 high halves, ZMM16-31 */
constexpr std::uint64_t kXcr0Zmm = 0xE6;

/* Reads XCR0; callers must first check OSXSAVE, or xgetbv faults */
std::uint64_t
ReadXcr0() noexcept
{
	std::uint32_t eax;
	std::uint32_t edx;

	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

/* Queries cpuid and xgetbv; see DetectBitLevel() for the cached result */
BitLevel
ProbeBitLevel() noexcept
{
	unsigned	eax, ebx, ecx, edx;

	if (!__get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx) || (ecx & kCpuid1EcxPopcnt) == 0)
		return BitLevel::kScalar;

	const bool	osxsave = (ecx & kCpuid1EcxOsxsave) != 0;

	if (osxsave && (ReadXcr0() & kXcr0Zmm) == kXcr0Zmm &&
		__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) &&
		(ebx & kCpuid7EbxAvx512f) != 0 && (ecx & kCpuid7EcxAvx512Vpopcntdq) != 0)
		return BitLevel::kAvx512Vpopcntdq;
	return BitLevel::kPopcnt;
}

}							// namespace

/* Highest level this CPU and OS support; probed once */
BitLevel
DetectBitLevel() noexcept
{
	static const BitLevel level = ProbeBitLevel();

	return level;
}

/* Table for a level, or nullptr if the CPU or OS cannot run it */
const BitKernels *
BitKernelsFor(BitLevel level) noexcept
{
	const BitKernels *kernels;

	switch (level)
	{
		case BitLevel::kScalar:
			kernels = &kScalarBitKernels;
			break;
		case BitLevel::kPopcnt:
			kernels = &kPopcntBitKernels;
			break;
		case BitLevel::kAvx512Vpopcntdq:
			kernels = &kAvx512VpopcntdqBitKernels;
			break;
		default:
			return nullptr;
	}
	if (static_cast<int>(level) > static_cast<int>(DetectBitLevel()))
		return nullptr;
	return kernels;
}

/* Installs the best table this machine supports */
void
InitBitKernels() noexcept
{
	g_bit_active = BitKernelsFor(DetectBitLevel());
}

/* Installs the table for level, unless this machine cannot run it */
bool
SetBitLevel(BitLevel level) noexcept
{
	const BitKernels *kernels = BitKernelsFor(level);

	if (kernels == nullptr)
		return false;
	g_bit_active = kernels;
	return true;
}

/* 1 - |a & b| / |a | b|, with pgvector's 1 for strings sharing no set bit */
double
JaccardDistanceFromCounts(const JaccardCounts &counts) noexcept
{
	if (counts.both == 0)
		return 1.0;
	return 1.0 - static_cast<double>(counts.both) /
		static_cast<double>(counts.a + counts.b - counts.both);
}

}							// namespace vectordb::simd
