#-------------------------------------------------------------------------
#
# bench.mk
#		Google Benchmark micro-benchmark of the distance kernels, and the
#		in-process hnswlib and FAISS references of the HNSW and IVF
#		benchmarks.
#
# Included by the top-level Makefile; can also run alone, from the
# repository root:
#
#		make -f bench/bench.mk bench/kernel_bench && bench/kernel_bench
#		make -f bench/bench.mk bench/hnswlib_bench   # run by bench/hnsw_bench.sh
#		make -f bench/bench.mk bench/faiss_ivf_bench # run by bench/ivf_bench.sh
#
# Never part of the pass/fail suite.  Objects go under bench/build/, away from
# the PGXS objects beside the sources.  Every name here starts with BENCH_.
#
# IDENTIFICATION
#		bench/bench.mk
#
#-------------------------------------------------------------------------

# The rules below must not become the including Makefile's default goal
BENCH_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

BENCH_CXX ?= g++
BENCH_CXXFLAGS ?= -std=c++17 -O2 -g -Wall -Wextra
BENCH_CPPFLAGS := -I src
BENCH_LDFLAGS ?=
BENCH_LDLIBS := -lbenchmark -pthread

BENCH_BUILD := bench/build
BENCH_BIN := bench/kernel_bench
BENCH_SRCS := bench/kernel_bench.cpp $(wildcard src/distance/*.cpp)
BENCH_OBJS := $(patsubst %.cpp,$(BENCH_BUILD)/%.o,$(BENCH_SRCS))

# hnswlib (Debian's libhnswlib-dev, header-only) picks its distance kernel
# from the compiler's target macros: -mavx2 -mfma gives its AVX code
BENCH_HNSWLIB_BIN := bench/hnswlib_bench
BENCH_HNSWLIB_OBJ := $(BENCH_BUILD)/bench/hnswlib_bench.o
BENCH_HNSWLIB_CXXFLAGS ?= -std=c++17 -O3 -g -Wall -Wextra -mavx2 -mfma -pthread

# FAISS (Debian's libfaiss-dev, static) with the OpenMP OpenBLAS the
# extension links too; the rpath picks that OpenBLAS over whichever one the
# libopenblas.so.0 alternative points at
BENCH_FAISS_BIN := bench/faiss_ivf_bench
BENCH_FAISS_OBJ := $(BENCH_BUILD)/bench/faiss_ivf_bench.o
BENCH_FAISS_CXXFLAGS ?= -std=c++17 -O2 -g -Wall -Wextra -fopenmp
BENCH_OPENBLAS_DIR := /usr/lib/x86_64-linux-gnu/openblas-openmp
BENCH_FAISS_LDLIBS := /usr/lib/x86_64-linux-gnu/libfaiss.a -fopenmp -L$(BENCH_OPENBLAS_DIR) -lopenblas \
	-Wl,-rpath,$(BENCH_OPENBLAS_DIR)

# For the including Makefile: EXTRA_CLEAN += $(BENCH_CLEAN)
BENCH_CLEAN := $(BENCH_BUILD) $(BENCH_BIN) $(BENCH_HNSWLIB_BIN) $(BENCH_FAISS_BIN)

# Only each ISA's own kernel file may contain that ISA's instructions
$(BENCH_BUILD)/src/distance/kernels_avx2.o: BENCH_ISA_FLAGS := -mavx2 -mfma
$(BENCH_BUILD)/src/distance/kernels_avx512.o: BENCH_ISA_FLAGS := -mavx512f -mavx2 -mfma

$(BENCH_OBJS): $(BENCH_BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(BENCH_CXX) $(BENCH_CXXFLAGS) $(BENCH_CPPFLAGS) $(BENCH_ISA_FLAGS) -MMD -MP -c -o $@ $<

$(BENCH_BIN): $(BENCH_OBJS)
	$(BENCH_CXX) $(BENCH_CXXFLAGS) $(BENCH_LDFLAGS) -o $@ $^ $(BENCH_LDLIBS)

$(BENCH_HNSWLIB_OBJ): bench/hnswlib_bench.cpp
	@mkdir -p $(@D)
	$(BENCH_CXX) $(BENCH_HNSWLIB_CXXFLAGS) -MMD -MP -c -o $@ $<

$(BENCH_HNSWLIB_BIN): $(BENCH_HNSWLIB_OBJ)
	$(BENCH_CXX) $(BENCH_HNSWLIB_CXXFLAGS) $(BENCH_LDFLAGS) -o $@ $^ -pthread

$(BENCH_FAISS_OBJ): bench/faiss_ivf_bench.cpp
	@mkdir -p $(@D)
	$(BENCH_CXX) $(BENCH_FAISS_CXXFLAGS) -MMD -MP -c -o $@ $<

$(BENCH_FAISS_BIN): $(BENCH_FAISS_OBJ)
	$(BENCH_CXX) $(BENCH_FAISS_CXXFLAGS) $(BENCH_LDFLAGS) -o $@ $^ $(BENCH_FAISS_LDLIBS)

.PHONY: benchclean

benchclean:
	rm -rf $(BENCH_CLEAN)

-include $(BENCH_OBJS:.o=.d) $(BENCH_HNSWLIB_OBJ:.o=.d) $(BENCH_FAISS_OBJ:.o=.d)

.DEFAULT_GOAL := $(BENCH_SAVED_DEFAULT_GOAL)
