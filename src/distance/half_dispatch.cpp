/*-------------------------------------------------------------------------
 *
 * half_dispatch.cpp
 *		Run-time choice of the half-precision kernel table.
 *
 * The half kernels follow the float kernels' level (dispatch.cpp decides it
 * from cpuid and xgetbv) with one more check: the avx2 level converts with
 * F16C, a CPUID bit of its own.  Every CPU with AVX2 has had F16C, but
 * checking costs nothing and keeps a VM that masks it safe.  The AVX-512
 * level converts with AVX-512F's own vcvtph2ps and needs nothing more.
 *
 * IDENTIFICATION
 *		src/distance/half_dispatch.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cpuid.h>

#include "distance/distance.h"
#include "distance/half_distance.h"
#include "distance/kernels_half.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

/* Address constant, hence constant-initialized: valid before any constructor */
const HalfKernels *g_active_half = &kHalfScalarKernels;

namespace {

/* CPUID.1:ECX */
constexpr unsigned kCpuid1EcxF16c = 1u << 29;

/* Whether the CPU has F16C; probed once */
bool
HasF16c() noexcept
{
	static const bool has = [] {
		unsigned	eax, ebx, ecx, edx;

		return __get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx) != 0 &&
			(ecx & kCpuid1EcxF16c) != 0;
	}();

	return has;
}

}							// namespace

/* Table for a level, or nullptr if the CPU or OS cannot run it */
const HalfKernels *
HalfKernelsFor(Level level) noexcept
{
	if (KernelsFor(level) == nullptr)
		return nullptr;
	switch (level)
	{
		case Level::kScalar:
			return &kHalfScalarKernels;
		case Level::kAvx2:
			return HasF16c() ? &kHalfAvx2Kernels : nullptr;
		case Level::kAvx512:
			return &kHalfAvx512Kernels;
	}
	return nullptr;
}

/* Installs the best half table at or below level */
void
SelectHalfKernels(Level level) noexcept
{
	for (int l = static_cast<int>(level); l >= 0; l--)
	{
		const HalfKernels *kernels = HalfKernelsFor(static_cast<Level>(l));

		if (kernels != nullptr)
		{
			g_active_half = kernels;
			return;
		}
	}
	g_active_half = &kHalfScalarKernels;
}

}							// namespace vectordb::simd
