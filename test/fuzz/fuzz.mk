#-------------------------------------------------------------------------
#
# fuzz.mk
#		libFuzzer harnesses for the input decoders of src/core (the text and
#		binary forms of vector, halfvec and sparsevec).
#
# Runs alone from the repository root, or from the top-level Makefile once
# it includes this file:
#
#		make -f test/fuzz/fuzz.mk fuzz-build
#		make -f test/fuzz/fuzz.mk fuzzcheck FUZZ_SECONDS=30
#
# scripts/fuzz.sh wraps fuzzcheck with a summary; see the README.  Needs
# Debian's clang-14 and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes), nothing from PGXS.  Everything a build or a run writes goes
# under tmp/fuzz/, which git ignores:
#
#		build/			objects, instrumented for coverage and sanitizers
#		bin/			one executable per harness
#		corpus-work/	the corpus each run grows, seeded from test/fuzz/corpus/
#		artifacts/		inputs that crashed, leaked or tripped a check
#
# fuzzcheck-NAME first replays test/fuzz/regressions/NAME/* (every input
# that ever failed), then fuzzes for FUZZ_SECONDS.  libFuzzer reads every
# corpus directory given but adds new inputs only to the first, so the
# repository's corpus is never modified by a run.  test/fuzz/NAME.dict, when
# there is one, gives libFuzzer the tokens of that input syntax.  Every name defined here
# starts with FUZZ_ so that nothing collides with PGXS.
#
# IDENTIFICATION
#		test/fuzz/fuzz.mk
#
#-------------------------------------------------------------------------

# The rules below must not become the including Makefile's default goal
FUZZ_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

FUZZ_CXX ?= clang++-14
FUZZ_CXXFLAGS ?= -std=c++17 -g -O1 -Wall -Wextra
# UB aborts rather than printing and carrying on, so libFuzzer sees it
FUZZ_SANITIZERS := address,undefined
FUZZ_SANFLAGS := -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CPPFLAGS := -I src
FUZZ_SECONDS ?= 30
# Extra libFuzzer flags, e.g. FUZZ_ARGS='-jobs=4 -workers=4' for long runs
FUZZ_ARGS ?=
FUZZ_LIBFUZZER_FLAGS := -timeout=10 -error_exitcode=77 -print_final_stats=1

FUZZ_ROOT := tmp/fuzz
FUZZ_BUILD := $(FUZZ_ROOT)/build
FUZZ_BIN := $(FUZZ_ROOT)/bin
FUZZ_HARNESSES := $(sort $(basename $(notdir $(wildcard test/fuzz/fuzz_*.cpp))))
# The code under test: the same sources the server links
FUZZ_LIB_SRCS := src/core/vector_codec.cpp src/core/halfvec_codec.cpp src/core/sparse_codec.cpp
FUZZ_LIB_OBJS := $(patsubst %.cpp,$(FUZZ_BUILD)/%.o,$(FUZZ_LIB_SRCS))
FUZZ_HARNESS_OBJS := $(patsubst %,$(FUZZ_BUILD)/test/fuzz/%.o,$(FUZZ_HARNESSES))
FUZZ_BINS := $(addprefix $(FUZZ_BIN)/,$(FUZZ_HARNESSES))

# For the including Makefile: EXTRA_CLEAN += $(FUZZ_CLEAN)
FUZZ_CLEAN := $(FUZZ_BUILD) $(FUZZ_BIN)

# Objects get coverage instrumentation without libFuzzer's main; links add it
$(FUZZ_LIB_OBJS) $(FUZZ_HARNESS_OBJS): $(FUZZ_BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZERS) $(FUZZ_SANFLAGS) \
		$(FUZZ_CPPFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_BIN)/%: $(FUZZ_BUILD)/test/fuzz/%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer,$(FUZZ_SANITIZERS) $(FUZZ_SANFLAGS) -o $@ $^

.PHONY: fuzz-build fuzzcheck fuzzclean $(addprefix fuzzcheck-,$(FUZZ_HARNESSES))

fuzz-build: $(FUZZ_BINS)

fuzzcheck: $(addprefix fuzzcheck-,$(FUZZ_HARNESSES))

# Regressions first, as files (a directory would be fuzzed, not replayed)
$(addprefix fuzzcheck-,$(FUZZ_HARNESSES)): fuzzcheck-%: $(FUZZ_BIN)/%
	@mkdir -p $(FUZZ_ROOT)/corpus-work/$* $(FUZZ_ROOT)/artifacts/$*
	$(if $(wildcard test/fuzz/regressions/$*/*),$< $(FUZZ_LIBFUZZER_FLAGS) \
		-artifact_prefix=$(FUZZ_ROOT)/artifacts/$*/ $(wildcard test/fuzz/regressions/$*/*))
	$< $(FUZZ_LIBFUZZER_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=$(FUZZ_ROOT)/artifacts/$*/ \
		$(if $(wildcard test/fuzz/$*.dict),-dict=test/fuzz/$*.dict) $(FUZZ_ARGS) \
		$(FUZZ_ROOT)/corpus-work/$* test/fuzz/corpus/$*

fuzzclean:
	rm -rf $(FUZZ_CLEAN)

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_HARNESS_OBJS:.o=.d)

.DEFAULT_GOAL := $(FUZZ_SAVED_DEFAULT_GOAL)
