"""Hybrid search: Postgres full-text search and a vectordb hnsw index, fused in
SQL by reciprocal rank fusion (RRF).

A seeded corpus of short documents, each written from one topic's vocabulary
and given an embedding near that topic's vector (cosine), plus four planted
documents that contain the query words "nebula telescope" (no generated
document does):

  both       space embedding next to the query vector, the words four times
             (first in both lists)
  text_only  the words three times, but a cooking embedding: far from the query
  weak_space space embedding, the words once
  weak_other finance embedding, the words once

One statement ranks the full-text matches (ts_rank_cd over a GIN-indexed
tsvector) and the nearest embeddings (hnsw, <=>), 40 of each, and fuses them:
score = 1/(60 + text rank) + 1/(60 + vector rank), a missing rank adding 0.
"""
import numpy as np
import pytest

DIM = 32
PER_TOPIC = 50
K_RRF = 60
DEPTH = 40
TOP = 10
QUERY_TEXT = "nebula telescope"

TOPICS = {
    "space": "orbit planet galaxy rocket astronaut comet asteroid lunar solar "
             "satellite gravity cosmos star launch crater meteor".split(),
    "cooking": "recipe oven garlic simmer butter flour onion sauce roast "
               "pepper basil dough skillet bake spice broth".split(),
    "finance": "market stock bond dividend inflation interest equity broker "
               "portfolio credit loan bank yield budget tax fund".split(),
    "sports": "goal match coach league stadium referee season tournament "
              "striker keeper score penalty sprint medal team racket".split(),
    "music": "guitar melody chord rhythm album concert violin drum tempo "
             "lyric chorus piano orchestra singer opera harmony".split(),
}
FILLER = "the a of and with new about this today".split()

# The fused query: %(q)s is the text query, %(v)s the query vector.  Ties in
# text rank are broken by id so that the ranks, and the fusion, are
# deterministic.
HYBRID_SQL = f"""
WITH text_hits AS (
    SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r
    FROM (SELECT id, ts_rank_cd(tsv, query) AS rank
          FROM docs, plainto_tsquery('english', %(q)s) AS query
          WHERE tsv @@ query
          ORDER BY rank DESC, id
          LIMIT {DEPTH}) t
),
vector_hits AS (
    SELECT id, row_number() OVER (ORDER BY embedding <=> %(v)s::vector) AS r
    FROM docs
    ORDER BY embedding <=> %(v)s::vector
    LIMIT {DEPTH}
)
SELECT coalesce(t.id, v.id) AS id,
       coalesce(1.0::float8 / ({K_RRF} + t.r), 0) + coalesce(1.0::float8 / ({K_RRF} + v.r), 0) AS score,
       t.r AS text_rank, v.r AS vector_rank
FROM text_hits t FULL OUTER JOIN vector_hits v ON t.id = v.id
ORDER BY score DESC, id
LIMIT {TOP}
"""

TEXT_SQL = f"""
SELECT id FROM docs, plainto_tsquery('english', %(q)s) AS query
WHERE tsv @@ query
ORDER BY ts_rank_cd(tsv, query) DESC, id
LIMIT {DEPTH}
"""

VECTOR_SQL = f"SELECT id FROM docs ORDER BY embedding <=> %(v)s::vector LIMIT {DEPTH}"


def vtext(a):
    return "[" + ",".join(f"{x:.6f}" for x in a) + "]"


def build_corpus(seed=11):
    """(rows, topic vectors, planted ids): rows are (id, topic, body, embedding)."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    centers = {t: rng.normal(size=DIM) for t in names}
    rows = []

    def add(topic, words, emb):
        rows.append((len(rows) + 1, topic, " ".join(words), emb))
        return len(rows)

    for topic in names:
        vocab = TOPICS[topic]
        for _ in range(PER_TOPIC):
            words = list(rng.choice(vocab, size=rng.integers(6, 12))) + \
                list(rng.choice(FILLER, size=3))
            rng.shuffle(words)
            add(topic, words, centers[topic] + 0.35 * rng.normal(size=DIM))

    def planted(topic, repeats, emb):
        words = QUERY_TEXT.split() * repeats + list(rng.choice(TOPICS[topic], size=4))
        return add(topic, words, emb)

    query_vec = centers["space"] + 0.05 * rng.normal(size=DIM)
    ids = {
        "both": planted("space", 4, query_vec + 0.01 * rng.normal(size=DIM)),
        "text_only": planted("cooking", 3, centers["cooking"] + 0.35 * rng.normal(size=DIM)),
        "weak_space": planted("space", 1, centers["space"] + 0.35 * rng.normal(size=DIM)),
        "weak_other": planted("finance", 1, centers["finance"] + 0.35 * rng.normal(size=DIM)),
    }
    return rows, query_vec, ids


def rrf(text_ids, vector_ids, k=K_RRF, top=TOP):
    """The same fusion in Python: [(id, score)] best first, ties by id."""
    score = {}
    for ranked in (text_ids, vector_ids):
        for r, i in enumerate(ranked, start=1):
            score[i] = score.get(i, 0.0) + 1.0 / (k + r)
    return sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


@pytest.fixture
def corpus(conn):
    rows, query_vec, ids = build_corpus()
    conn.execute(f"""
        CREATE TABLE docs (
            id int PRIMARY KEY,
            topic text NOT NULL,
            body text NOT NULL,
            tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
            embedding vector({DIM}) NOT NULL)""")
    with conn.cursor().copy("COPY docs (id, topic, body, embedding) FROM STDIN") as copy:
        for i, topic, body, emb in rows:
            copy.write_row((i, topic, body, vtext(emb)))
    conn.execute("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
    conn.execute("CREATE INDEX docs_embedding ON docs USING hnsw (embedding vector_cosine_ops)")
    conn.execute("ANALYZE docs")
    return {"n": len(rows), "params": {"q": QUERY_TEXT, "v": vtext(query_vec)}, "ids": ids}


def test_fused_result_equals_python_fusion(conn, corpus):
    p = corpus["params"]
    text_ids = [r[0] for r in conn.execute(TEXT_SQL, p)]
    vector_ids = [r[0] for r in conn.execute(VECTOR_SQL, p)]
    assert sorted(text_ids) == sorted(corpus["ids"].values()), \
        "only the planted documents contain both query words"
    assert len(vector_ids) == DEPTH

    fused = conn.execute(HYBRID_SQL, p).fetchall()
    expected = rrf(text_ids, vector_ids)
    assert [r[0] for r in fused] == [i for i, _ in expected]
    assert [r[1] for r in fused] == pytest.approx([s for _, s in expected], rel=1e-12)
    # the ranks the statement reports are the positions in the separate lists
    for i, _, text_rank, vector_rank in fused:
        assert text_rank == (text_ids.index(i) + 1 if i in text_ids else None)
        assert vector_rank == (vector_ids.index(i) + 1 if i in vector_ids else None)


def test_top_in_both_lists_ranks_first(conn, corpus):
    p, ids = corpus["params"], corpus["ids"]
    text_ids = [r[0] for r in conn.execute(TEXT_SQL, p)]
    vector_ids = [r[0] for r in conn.execute(VECTOR_SQL, p)]
    assert text_ids[0] == ids["both"]
    assert vector_ids[0] == ids["both"]

    fused = conn.execute(HYBRID_SQL, p).fetchall()
    assert fused[0][0] == ids["both"]
    assert fused[0][1] == pytest.approx(2.0 / (K_RRF + 1))
    # a document in both lists outranks one found by one signal only, even
    # when that one is first there
    assert fused[0][1] > 1.0 / (K_RRF + 1)


def test_text_only_match_is_kept(conn, corpus):
    """A document the vector search does not find (its embedding is about
    cooking) but whose text matches strongly appears in the fused top 10,
    scored by its text rank alone."""
    p, ids = corpus["params"], corpus["ids"]
    vector_ids = [r[0] for r in conn.execute(VECTOR_SQL, p)]
    assert ids["text_only"] not in vector_ids

    fused = conn.execute(HYBRID_SQL, p).fetchall()
    by_id = {r[0]: r for r in fused}
    assert ids["text_only"] in by_id
    _, score, text_rank, vector_rank = by_id[ids["text_only"]]
    assert vector_rank is None
    assert text_rank == 2
    assert score == pytest.approx(1.0 / (K_RRF + 2))
    # the vector search alone would have returned only space documents
    topics = dict(conn.execute("SELECT id, topic FROM docs"))
    assert {topics[i] for i in vector_ids[:TOP]} == {"space"}
    assert topics[ids["text_only"]] == "cooking"


def test_vector_side_uses_hnsw_index(conn, corpus):
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + HYBRID_SQL, corpus["params"]))
    assert "Index Scan using docs_embedding on docs" in plan, plan
    # the index answers the vector CTE's ORDER BY ... LIMIT without a sort
    vector_part = conn.execute("EXPLAIN (COSTS OFF) " + VECTOR_SQL, corpus["params"]).fetchall()
    assert "Index Scan using docs_embedding" in "\n".join(r[0] for r in vector_part)
    assert not any("Sort" in r[0] for r in vector_part)
