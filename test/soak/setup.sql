-- test/soak/setup.sql: schema of the mixed-load soak (test/t/016_soak.pl),
-- run once before the pgbench scripts in this directory, and of the crash
-- loop (test/t/017_crash_loop.pl), which adds its ledger.
--
-- pool holds the clustered vectors the load draws from; th carries the hnsw
-- index and tv the ivf index (the planner uses one index per query, so each
-- access method gets its own table).  New and updated vectors are a pool
-- vector plus a little noise, so they stay in the clusters without being
-- exact duplicates.

CREATE TABLE pool (pid int PRIMARY KEY, cat int, v vector(32));
CREATE TABLE th (id serial PRIMARY KEY, cat int, v vector(32));
CREATE TABLE tv (id serial PRIMARY KEY, cat int, v vector(32));

-- soak_vec(P): pool vector P moved by up to 0.025 in each coordinate
CREATE FUNCTION soak_vec(p int) RETURNS vector LANGUAGE sql VOLATILE AS $$
	SELECT array_agg(x + (random() - 0.5) * 0.05 ORDER BY i)::vector(32)
	FROM pool, unnest(v::real[]) WITH ORDINALITY AS u(x, i)
	WHERE pid = p
$$;

-- soak_check_knn(LABEL, IDS, DISTS, K, ORDERED): raises an error (which
-- pgbench counts as a failed transaction) unless a kNN answer has K distinct
-- rows, in ascending distance order when ORDERED
CREATE FUNCTION soak_check_knn(label text, ids int[], dists float8[], k int, ordered boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF coalesce(cardinality(ids), 0) <> k THEN
		RAISE EXCEPTION 'soak: % returned % rows instead of %', label, coalesce(cardinality(ids), 0), k;
	END IF;
	IF (SELECT count(DISTINCT i) FROM unnest(ids) i) <> k THEN
		RAISE EXCEPTION 'soak: % returned a row twice: %', label, ids;
	END IF;
	IF ordered AND dists <> (SELECT array_agg(x ORDER BY x) FROM unnest(dists) x) THEN
		RAISE EXCEPTION 'soak: % returned rows out of distance order: %', label, dists;
	END IF;
END
$$;
