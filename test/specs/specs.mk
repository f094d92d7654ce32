#-------------------------------------------------------------------------
#
# specs.mk
#		Isolation suite: concurrent sessions against the index access
#		methods, run by PostgreSQL's pg_isolation_regress.
#
# Included by the top-level Makefile, so `make isolationcheck` works there;
# it can also run alone, from the repository root:
#
#		make -f test/specs/specs.mk isolationcheck
#
# Like `make installcheck`, it runs against a server that is already running
# with vectordb installed (PGHOST/PGPORT/PGUSER say which), in a database of
# its own that it creates.  Each test is a spec test/specs/NAME.spec with its
# expected output test/specs/expected/NAME.out; results and
# regression.diffs go under test/specs/.  Every name defined here starts with
# ISOLATION_ but is none of ISOLATION and ISOLATION_OPTS, which PGXS
# reserves for its own isolation runs inside `make installcheck`.  Pick
# specs with ISOLATION_SPECS, pass more switches with ISOLATION_ARGS:
#
#		make isolationcheck ISOLATION_SPECS=hnsw_insert
#
# IDENTIFICATION
#		test/specs/specs.mk
#
#-------------------------------------------------------------------------

# The rules below must not become the including Makefile's default goal
ISOLATION_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

ISOLATION_PG_CONFIG ?= $(or $(PG_CONFIG),pg_config)
ISOLATION_BINDIR ?= $(shell $(ISOLATION_PG_CONFIG) --bindir)
ISOLATION_REGRESS ?= $(shell $(ISOLATION_PG_CONFIG) --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress
ISOLATION_DIR := test/specs
ISOLATION_SPECS ?= $(sort $(notdir $(basename $(wildcard $(ISOLATION_DIR)/*.spec))))
ISOLATION_DB ?= isolation_regression_vectordb
ISOLATION_ARGS ?=

# For the including Makefile: EXTRA_CLEAN += $(ISOLATION_CLEAN)
ISOLATION_CLEAN := $(ISOLATION_DIR)/results $(ISOLATION_DIR)/regression.diffs $(ISOLATION_DIR)/regression.out

.PHONY: isolationcheck isolationclean

# pg_isolation_regress reads NAME.spec from <inputdir>/specs/ and compares
# with <outputdir>/expected/NAME.out, so the input directory is test/ and
# the output directory test/specs/.
isolationcheck:
	$(ISOLATION_REGRESS) --inputdir=test --outputdir=$(ISOLATION_DIR) \
		--bindir='$(ISOLATION_BINDIR)' --dbname=$(ISOLATION_DB) \
		--load-extension=vectordb $(ISOLATION_ARGS) $(ISOLATION_SPECS)

isolationclean:
	rm -rf $(ISOLATION_CLEAN)

.DEFAULT_GOAL := $(ISOLATION_SAVED_DEFAULT_GOAL)
