# vectordb: PGXS build of a C++17 PostgreSQL extension
#
#   make                 build vectordb.so (optimised, no -march=native)
#   make install         install into the server found by $(PG_CONFIG)
#   make installcheck    pg_regress suite in sql/ + expected/ against a running server
#   make unitcheck       GoogleTest suite in test/unit/, no server needed
#   make isolationcheck  isolation specs in test/specs/ against a running server
#   make bench/kernel_bench   Google Benchmark of the distance kernels

EXTENSION = vectordb
EXTVERSION = 0.1.0

MODULE_big = vectordb
DATA = $(EXTENSION)--$(EXTVERSION).sql
OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard src/*.cpp src/*/*.cpp)))

REGRESS = $(sort $(notdir $(basename $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
# -MMD: a header change rebuilds every object that includes it
PG_CXXFLAGS = -std=c++17 -O2 -Wno-missing-field-initializers -Wno-register -MMD -MP
SHLIB_LINK = -lstdc++ -lm -pthread

# IVF training: Debian's static, position-independent FAISS, with BLAS from
# the OpenMP build of OpenBLAS.  Its threads, like FAISS' own OpenMP threads,
# are created lazily by the signal-blocked worker that first calls it (the
# pthread build starts a pool when the library loads, on the backend's
# signal mask).  The run path makes the loader pick that build whatever the
# libopenblas.so.0 alternative points at.
FAISS_LIB = /usr/lib/x86_64-linux-gnu/libfaiss.a
OPENBLAS_DIR = /usr/lib/x86_64-linux-gnu/openblas-openmp
SHLIB_LINK += $(FAISS_LIB) -L$(OPENBLAS_DIR) -lopenblas -Wl,-rpath,$(OPENBLAS_DIR) -fopenmp

# Debian's server is built with LLVM JIT; vectordb's functions gain nothing
# from inlining into JIT-compiled expressions, so skip the bitcode.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Each instruction set is compiled only into its own kernel file; the
# dispatcher picks one at load time, so the module runs on any x86-64 CPU.
src/distance/kernels_avx2.o: override CXXFLAGS += -mavx2 -mfma
src/distance/kernels_avx512.o: override CXXFLAGS += -mavx512f -mavx2 -mfma
src/ivf/ivf_engine.o: override CXXFLAGS += -fopenmp

# Engine sources built without Postgres, for the unit tests and benchmarks
-include test/unit/unit.mk
-include test/fuzz/fuzz.mk
-include bench/bench.mk
# Concurrent-session specs, run by pg_isolation_regress
-include test/specs/specs.mk
EXTRA_CLEAN += $(UNIT_CLEAN) $(FUZZ_CLEAN) $(BENCH_CLEAN) $(ISOLATION_CLEAN) $(OBJS:.o=.d)
-include $(OBJS:.o=.d)
