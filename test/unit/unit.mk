#-------------------------------------------------------------------------
#
# unit.mk
#		GoogleTest suite for the pure C++ layers (src/distance, src/core, the IVF
#		codec).
#
# Included by the top-level Makefile, so `make unitcheck` works there; it can
# also run alone, from the repository root:
#
#		make -f test/unit/unit.mk unitcheck
#
# It needs nothing from PGXS.  Objects go under test/unit/build/, away from
# the PGXS objects beside the sources, which are built with Postgres flags.
# Every name defined here starts with UNIT_ so that nothing collides with
# PGXS.  Override UNIT_CXX / UNIT_CXXFLAGS for other builds, e.g. ASan:
#
#		make unitcheck UNIT_CXXFLAGS='-std=c++17 -O1 -g -fsanitize=address'
#
# IDENTIFICATION
#		test/unit/unit.mk
#
#-------------------------------------------------------------------------

# The rules below must not become the including Makefile's default goal
UNIT_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

UNIT_CXX ?= g++
UNIT_CXXFLAGS ?= -std=c++17 -O2 -g -Wall -Wextra
UNIT_CPPFLAGS := -I src
UNIT_LDFLAGS ?=
UNIT_LDLIBS := -lgtest_main -lgtest -pthread
UNIT_ARGS ?=

UNIT_BUILD := test/unit/build
UNIT_BIN := test/unit/unit_tests
UNIT_SRCS := $(wildcard test/unit/*.cpp src/distance/*.cpp src/core/*.cpp) src/ivf/ivf_codec.cpp \
	src/hnsw/hnsw_engine.cpp
UNIT_OBJS := $(patsubst %.cpp,$(UNIT_BUILD)/%.o,$(UNIT_SRCS))

# For the including Makefile: EXTRA_CLEAN += $(UNIT_CLEAN)
UNIT_CLEAN := $(UNIT_BUILD) $(UNIT_BIN)

# Only each ISA's own kernel file may contain that ISA's instructions
$(UNIT_BUILD)/src/distance/kernels_avx2.o: UNIT_ISA_FLAGS := -mavx2 -mfma
$(UNIT_BUILD)/src/distance/kernels_avx512.o: UNIT_ISA_FLAGS := -mavx512f -mavx2 -mfma

$(UNIT_OBJS): $(UNIT_BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(UNIT_CXX) $(UNIT_CXXFLAGS) $(UNIT_CPPFLAGS) $(UNIT_ISA_FLAGS) -MMD -MP -c -o $@ $<

$(UNIT_BIN): $(UNIT_OBJS)
	$(UNIT_CXX) $(UNIT_CXXFLAGS) $(UNIT_LDFLAGS) -o $@ $^ $(UNIT_LDLIBS)

.PHONY: unitcheck unitclean

unitcheck: $(UNIT_BIN)
	$(UNIT_BIN) $(UNIT_ARGS)

unitclean:
	rm -rf $(UNIT_CLEAN)

-include $(UNIT_OBJS:.o=.d)

.DEFAULT_GOAL := $(UNIT_SAVED_DEFAULT_GOAL)
