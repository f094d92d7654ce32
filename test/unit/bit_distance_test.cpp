/*-------------------------------------------------------------------------
 *
 * bit_distance_test.cpp
 *		Unit tests for the popcount kernels and their dispatch.
 *
 * Every kernel of every level this CPU supports is compared with a
 * bit-by-bit count computed here and with the scalar table, for every
 * length from 0 to 1000 bits, at every byte offset from an 8-byte boundary,
 * on random strings whose padding bits are zero as Postgres keeps them.
 * Levels the CPU lacks are skipped, not failed.
 *
 * IDENTIFICATION
 *		test/unit/bit_distance_test.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "distance/bit_distance.h"
#include "distance/distance.h"

#include "core/cpp_only.h"

namespace vectordb::simd {
namespace {

constexpr std::size_t kMaxBits = 1000;

/* Read before main(): proves g_bit_active needs no constructor to run */
const BitLevel kBitLevelAtStartup = BitActive().level;

/* Bit i of a string laid out as Postgres' bit type: most significant first */
bool
BitAt(const std::uint8_t *s, std::size_t i)
{
	return (s[i / 8] >> (7 - i % 8)) & 1;
}

/* Counts computed one bit at a time */
struct Reference
{
	std::uint64_t hamming = 0;
	JaccardCounts jaccard = {0, 0, 0};
};

Reference
ComputeReference(const std::uint8_t *a, const std::uint8_t *b, std::size_t bits)
{
	Reference	r;

	for (std::size_t i = 0; i < bits; i++)
	{
		bool		x = BitAt(a, i);
		bool		y = BitAt(b, i);

		r.hamming += x != y;
		r.jaccard.both += x && y;
		r.jaccard.a += x;
		r.jaccard.b += y;
	}
	return r;
}

/* A random string of bits bits with the padding of its last byte zero;
 * density is the chance of a one */
void
FillRandom(std::mt19937 &rng, std::uint8_t *s, std::size_t bits, double density)
{
	std::bernoulli_distribution one(density);

	std::memset(s, 0, (bits + 7) / 8);
	for (std::size_t i = 0; i < bits; i++)
		if (one(rng))
			s[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
}

/* Fixture parameterized by level; skips levels this CPU cannot run */
class BitKernelTest : public ::testing::TestWithParam<BitLevel>
{
protected:
	void SetUp() override
	{
		kernels_ = BitKernelsFor(GetParam());
		if (kernels_ == nullptr)
			GTEST_SKIP() << "level " << static_cast<int>(GetParam())
				<< " not supported by this CPU or OS";
	}

	/* Checks both kernels on a, b (bits bits each) against the references */
	void CheckAll(const std::uint8_t *a, const std::uint8_t *b, std::size_t bits)
	{
		const std::size_t bytes = (bits + 7) / 8;
		const Reference r = ComputeReference(a, b, bits);
		const JaccardCounts got = kernels_->jaccard_counts(a, b, bytes);
		const JaccardCounts scalar = kScalar().jaccard_counts(a, b, bytes);

		ASSERT_EQ(kernels_->hamming(a, b, bytes), r.hamming) << "bits = " << bits;
		ASSERT_EQ(kScalar().hamming(a, b, bytes), r.hamming) << "bits = " << bits;
		ASSERT_EQ(got.both, r.jaccard.both) << "bits = " << bits;
		ASSERT_EQ(got.a, r.jaccard.a) << "bits = " << bits;
		ASSERT_EQ(got.b, r.jaccard.b) << "bits = " << bits;
		ASSERT_EQ(scalar.both, r.jaccard.both) << "bits = " << bits;
		ASSERT_EQ(scalar.a, r.jaccard.a) << "bits = " << bits;
		ASSERT_EQ(scalar.b, r.jaccard.b) << "bits = " << bits;
	}

	static const BitKernels &kScalar()
	{
		return *BitKernelsFor(BitLevel::kScalar);
	}

	const BitKernels *kernels_ = nullptr;
};

/* The table a level hands out says which level it is */
TEST_P(BitKernelTest, TableMatchesLevel)
{
	EXPECT_EQ(kernels_->level, GetParam());
	EXPECT_NE(kernels_->name, nullptr);
}

/* Every length 0..1000 bits, every start offset 0..7 bytes past a word boundary */
TEST_P(BitKernelTest, RandomStringsMatchReference)
{
	std::mt19937 rng(8);
	const std::size_t max_bytes = (kMaxBits + 7) / 8;
	/* uint64_t storage: offset 0 is 8-byte aligned, the others are not */
	std::vector<std::uint64_t> abuf(max_bytes / 8 + 2), bbuf(max_bytes / 8 + 2);

	for (std::size_t bits = 0; bits <= kMaxBits; bits++)
	{
		std::size_t offset = bits % 8;
		std::uint8_t *a = reinterpret_cast<std::uint8_t *>(abuf.data()) + offset;
		/* b at a different misalignment from a */
		std::uint8_t *b = reinterpret_cast<std::uint8_t *>(bbuf.data()) + (offset * 3 + 1) % 8;

		FillRandom(rng, a, bits, 0.5);
		FillRandom(rng, b, bits, 0.5);
		CheckAll(a, b, bits);
	}
}

/* Sparse, dense, all-zero and all-one strings, and a string against itself */
TEST_P(BitKernelTest, ExtremeDensities)
{
	std::mt19937 rng(13);
	std::vector<std::uint8_t> a((kMaxBits + 7) / 8), b((kMaxBits + 7) / 8);
	const double densities[] = {0.0, 0.02, 0.98, 1.0};

	for (std::size_t bits : {0, 1, 7, 8, 9, 63, 64, 65, 511, 512, 513, 1000})
		for (double da : densities)
			for (double db : densities)
			{
				FillRandom(rng, a.data(), bits, da);
				FillRandom(rng, b.data(), bits, db);
				CheckAll(a.data(), b.data(), bits);
				CheckAll(a.data(), a.data(), bits);
			}
}

/* Long strings: each level's accumulators over many blocks */
TEST_P(BitKernelTest, LongStrings)
{
	std::mt19937 rng(21);

	for (std::size_t bits : {1536, 3072, 16000, 64000, 100003})
	{
		std::vector<std::uint8_t> a((bits + 7) / 8), b((bits + 7) / 8);

		FillRandom(rng, a.data(), bits, 0.5);
		FillRandom(rng, b.data(), bits, 0.3);
		CheckAll(a.data(), b.data(), bits);
	}
}

/* No kernel reads past the last byte: strings end at a PROT_NONE page */
TEST_P(BitKernelTest, NoReadPastEnd)
{
	const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	void	   *mem = mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(mem, MAP_FAILED);
	std::uint8_t *base = static_cast<std::uint8_t *>(mem);

	/* Layout: [a's page][b's page][guard]; b ends at the guard, a ends at b */
	ASSERT_EQ(mprotect(base + 2 * page, page, PROT_NONE), 0);

	std::mt19937 rng(34);

	for (std::size_t bytes = 0; bytes <= 200; bytes++)
	{
		std::uint8_t *b = base + 2 * page - bytes;
		std::uint8_t *a = b - bytes;

		FillRandom(rng, a, bytes * 8, 0.5);
		FillRandom(rng, b, bytes * 8, 0.5);
		CheckAll(a, b, bytes * 8);
		CheckAll(b, a, bytes * 8);
	}
	munmap(mem, 3 * page);
}

std::string
BitLevelName(const ::testing::TestParamInfo<BitLevel> &info)
{
	switch (info.param)
	{
		case BitLevel::kScalar:
			return "scalar";
		case BitLevel::kPopcnt:
			return "popcnt";
		case BitLevel::kAvx512Vpopcntdq:
			return "avx512vpopcntdq";
	}
	return "unknown";
}

INSTANTIATE_TEST_SUITE_P(AllLevels, BitKernelTest,
						 ::testing::Values(BitLevel::kScalar, BitLevel::kPopcnt,
										   BitLevel::kAvx512Vpopcntdq),
						 BitLevelName);

/* pgvector's values: 1 when no bit is shared, two zero strings included */
TEST(JaccardDistanceFromCounts, Conventions)
{
	EXPECT_EQ(JaccardDistanceFromCounts({0, 0, 0}), 1.0);
	EXPECT_EQ(JaccardDistanceFromCounts({0, 4, 0}), 1.0);
	EXPECT_EQ(JaccardDistanceFromCounts({0, 2, 2}), 1.0);
	EXPECT_EQ(JaccardDistanceFromCounts({4, 4, 4}), 0.0);
	EXPECT_EQ(JaccardDistanceFromCounts({3, 4, 3}), 0.25);
	EXPECT_EQ(JaccardDistanceFromCounts({1, 2, 1}), 0.5);
	EXPECT_DOUBLE_EQ(JaccardDistanceFromCounts({1, 2, 2}), 2.0 / 3.0);
}

/* Before InitBitKernels(), BitActive() is the scalar table */
TEST(BitDispatch, ScalarBeforeInit)
{
	EXPECT_EQ(kBitLevelAtStartup, BitLevel::kScalar);
}

/* Every level up to the detected one is available, none above it */
TEST(BitDispatch, KernelsForFollowsDetectLevel)
{
	const int	detected = static_cast<int>(DetectBitLevel());

	for (int l = 0; l <= static_cast<int>(BitLevel::kAvx512Vpopcntdq); l++)
	{
		const BitKernels *k = BitKernelsFor(static_cast<BitLevel>(l));

		if (l <= detected)
			EXPECT_NE(k, nullptr) << "level " << l;
		else
			EXPECT_EQ(k, nullptr) << "level " << l;
	}
	EXPECT_EQ(BitKernelsFor(static_cast<BitLevel>(-1)), nullptr);
	EXPECT_EQ(BitKernelsFor(static_cast<BitLevel>(99)), nullptr);
}

/* Init(), the module's load-time hook, also installs the detected popcount level */
TEST(BitDispatch, InitPicksDetectedLevel)
{
	Init();
	EXPECT_EQ(BitActive().level, DetectBitLevel());
	EXPECT_EQ(&BitActive(), BitKernelsFor(DetectBitLevel()));
	std::printf("detected popcount level: %s\n", BitActive().name);
}

/* SetBitLevel() accepts supported levels and refuses others, leaving BitActive() alone */
TEST(BitDispatch, SetLevelRefusesUnsupported)
{
	const int	detected = static_cast<int>(DetectBitLevel());

	for (int l = 0; l <= static_cast<int>(BitLevel::kAvx512Vpopcntdq); l++)
	{
		const BitLevel level = static_cast<BitLevel>(l);

		ASSERT_TRUE(SetBitLevel(BitLevel::kScalar));
		if (l <= detected)
		{
			EXPECT_TRUE(SetBitLevel(level));
			EXPECT_EQ(BitActive().level, level);
		}
		else
		{
			EXPECT_FALSE(SetBitLevel(level));
			EXPECT_EQ(BitActive().level, BitLevel::kScalar);
		}
	}
	EXPECT_FALSE(SetBitLevel(static_cast<BitLevel>(99)));
	EXPECT_EQ(BitActive().level, BitLevel::kScalar);
	InitBitKernels();
}

}							// namespace
}							// namespace vectordb::simd
