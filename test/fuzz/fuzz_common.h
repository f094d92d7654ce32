/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *		What the libFuzzer harnesses in test/fuzz/ share.
 *
 * A failed FUZZ_CHECK prints the broken property and aborts; libFuzzer
 * catches the abort like any crash, saves the input under
 * tmp/fuzz/artifacts/ and exits non-zero, so a wrong answer fails the run
 * exactly as a sanitizer report does.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_FUZZ_COMMON_H
#define VECTORDB_FUZZ_COMMON_H

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			std::abort(); \
		} \
	} while (0)

#endif							/* VECTORDB_FUZZ_COMMON_H */
