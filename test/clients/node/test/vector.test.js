'use strict';
// node-postgres + the pgvector npm package against vectordb, the way a
// pgvector user's Node.js application talks to it.  Connection settings come
// from PGHOST/PGPORT/PGUSER; every test gets its own database.

const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const pg = require('pg');
const pgvector = require('pgvector/pg');

// --- helpers -----------------------------------------------------------------

// Seeded PRNG (mulberry32) so a failure reproduces exactly.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Random float32-representable values in [-scale, scale)
function randomVector(rand, dim, scale = 1) {
  return Array.from({ length: dim }, () => Math.fround((rand() * 2 - 1) * scale));
}

const l2 = (a, b) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const cosine = (a, b) => 1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

// pgvector's binary layout: int16 dim, int16 unused, dim x float4, big-endian
function vectorBinary(values, { dim = values.length, unused = 0 } = {}) {
  const buf = Buffer.alloc(4 + 4 * values.length);
  buf.writeInt16BE(dim, 0);
  buf.writeInt16BE(unused, 2);
  values.forEach((v, i) => buf.writeFloatBE(v, 4 + 4 * i));
  return buf;
}

async function rejectsWith(promise, sqlstate) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.code, sqlstate, err.message);
    return true;
  });
}

// --- per-test database ---------------------------------------------------------

let dbname;
let client;

beforeEach(async () => {
  dbname = `vdb_node_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${dbname}" TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  client = new pg.Client({ database: dbname });
  await client.connect();
  await client.query('CREATE EXTENSION vectordb');
  await pgvector.registerTypes(client);
});

afterEach(async () => {
  try {
    if (client) await client.end();
  } finally {
    client = undefined;
    const admin = new pg.Client({ database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${dbname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
});

// --- tests -----------------------------------------------------------------------

describe('pgvector text codec', () => {
  it('round-trips arrays through a vector column', async () => {
    const rand = rng(1);
    const vectors = [
      [1, 2.5, -3],
      [0, 1e-45, -1e-45].map(Math.fround), // smallest subnormal float32
      [3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38],
      randomVector(rand, 784),
      randomVector(rand, 16000, 1e6),
      null,
    ];
    await client.query('CREATE TABLE items (id int PRIMARY KEY, embedding vector)');
    for (const [i, v] of vectors.entries()) {
      await client.query('INSERT INTO items VALUES ($1, $2)', [i, pgvector.toSql(v)]);
    }
    const { rows } = await client.query('SELECT id, embedding FROM items ORDER BY id');
    assert.equal(rows.length, vectors.length);
    for (const [i, v] of vectors.entries()) {
      if (v === null) {
        assert.equal(rows[i].embedding, null);
        continue;
      }
      assert.ok(Array.isArray(rows[i].embedding), 'registerTypes parser returns an array');
      // Every sent value is a float32, so the shortest decimal the server
      // prints must read back as exactly the same number (-0 included).
      assert.deepEqual(rows[i].embedding.map(Math.fround), v);
    }
  });

  it('keeps the sign of -0 on output', async () => {
    // (toSql cannot send -0: JSON.stringify writes it as 0)
    const { rows } = await client.query("SELECT '[-0,0]'::vector AS v");
    assert.ok(Object.is(rows[0].v[0], -0) && Object.is(rows[0].v[1], 0), String(rows[0].v));
  });

  it('rounds doubles to the nearest float32', async () => {
    const { rows } = await client.query('SELECT $1::vector AS v', [pgvector.toSql([0.1, 1 / 3, 1e10])]);
    assert.deepEqual(rows[0].v, [0.1, 0.33333334, 1e10]);
    assert.deepEqual(rows[0].v.map(Math.fround), [0.1, 1 / 3, 1e10].map(Math.fround));
  });

  it('enforces vector(n) and the dimension limits', async () => {
    await client.query('CREATE TABLE t (embedding vector(3))');
    await client.query('INSERT INTO t VALUES ($1)', [pgvector.toSql([1, 2, 3])]);
    await rejectsWith(client.query('INSERT INTO t VALUES ($1)', [pgvector.toSql([1, 2])]), '22000');
    await rejectsWith(client.query('SELECT $1::vector', [pgvector.toSql(new Array(16001).fill(1))]), '54000');
    await rejectsWith(client.query('SELECT $1::vector', ['[1,NaN]']), '22000');
    const { rows } = await client.query('SELECT embedding FROM t');
    assert.deepEqual(rows, [{ embedding: [1, 2, 3] }]);
  });
});

describe('nearest neighbours', () => {
  const cases = [
    ['<->', l2],
    ['<#>', (a, b) => -dot(a, b)],
    ['<=>', cosine],
    ['<+>', (a, b) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0)],
  ];
  for (const [op, dist] of cases) {
    it(`ORDER BY embedding ${op} $1 matches a JS ordering`, async () => {
      const rand = rng(op.charCodeAt(1));
      const dim = 32;
      const items = Array.from({ length: 300 }, () => randomVector(rand, dim));
      await client.query(`CREATE TABLE items (id int PRIMARY KEY, embedding vector(${dim}))`);
      await client.query(
        'INSERT INTO items SELECT i - 1, e::vector FROM unnest($1::text[]) WITH ORDINALITY AS u(e, i)',
        [items.map(pgvector.toSql)]);

      for (let q = 0; q < 5; q++) {
        const query = randomVector(rand, dim);
        const { rows } = await client.query(
          `SELECT id, embedding ${op} $1 AS d FROM items ORDER BY embedding ${op} $1, id LIMIT 20`,
          [pgvector.toSql(query)]);
        const expected = items
          .map((v, id) => ({ id, d: dist(v, query) }))
          .sort((a, b) => a.d - b.d || a.id - b.id)
          .slice(0, 20);
        assert.equal(rows.length, 20);
        rows.forEach((row, i) => {
          const want = expected[i];
          // server kernels are float32: allow a near-tie to swap neighbours
          const tol = 1e-5 * Math.max(1, Math.abs(want.d));
          if (row.id !== want.id) {
            assert.ok(Math.abs(dist(items[row.id], query) - want.d) <= tol,
              `rank ${i}: server id ${row.id}, JS id ${want.id} (${op})`);
          }
          assert.ok(Math.abs(row.d - dist(items[row.id], query)) <= tol,
            `distance for id ${row.id}: server ${row.d}, JS ${dist(items[row.id], query)}`);
        });
      }
    });
  }
});

// The pgvector npm package (0.2.x) has no binary codec for vector: its
// registerTypes installs a text parser only, and node-postgres decodes binary
// result columns through UTF-8, which corrupts arbitrary bytes.  Binary
// *parameters* do work: node-postgres sends a Buffer in binary format, so a
// pgvector-layout Buffer exercises vector_recv.
describe('binary parameters (Buffer in pgvector layout)', () => {
  it('are accepted and stored bit-exactly', async () => {
    const values = [1, -0, 1e-45, 3.4028234663852886e38, -1.5, 0.1].map(Math.fround);
    const buf = vectorBinary(values);
    const { rows } = await client.query(
      "SELECT $1::vector AS v, encode(vector_send($1::vector), 'hex') AS hex", [buf]);
    assert.equal(rows[0].hex, buf.toString('hex'));
    assert.deepEqual(rows[0].v.map(Math.fround), values);
  });

  it('are rejected with the right SQLSTATE when malformed', async () => {
    await rejectsWith(client.query('SELECT $1::vector', [vectorBinary([1, 2], { unused: 1 })]), '22P03');
    await rejectsWith(client.query('SELECT $1::vector', [vectorBinary([1, 2], { dim: 3 })]), '22P03');
    await rejectsWith(client.query('SELECT $1::vector', [vectorBinary([])]), '22000');
    await rejectsWith(client.query('SELECT $1::vector', [vectorBinary([1, NaN])]), '22000');
    await rejectsWith(client.query('SELECT $1::vector', [vectorBinary([1], { dim: 16001 })]), '54000');
    await rejectsWith(client.query('SELECT $1::vector', [Buffer.from([0, 1])]), '08P01');
    // the session survives all of the above
    const { rows } = await client.query('SELECT 1 AS one');
    assert.equal(rows[0].one, 1);
  });
});

// pgvector's HalfVector (an array), SparseVector and bit strings through the
// same client: registerTypes also installs the halfvec and sparsevec parsers
describe('halfvec, sparsevec and bit', () => {
  const { SparseVector } = require('pgvector');

  it('round-trip halfvec arrays and answer a kNN query with a parameter', async () => {
    const rand = rng(7);
    // values a half holds exactly: multiples of 1/64 below 8
    const vectors = Array.from({ length: 50 }, () =>
      Array.from({ length: 16 }, () => Math.round((rand() * 2 - 1) * 512) / 64));
    await client.query('CREATE TABLE h (id int, embedding halfvec(16))');
    for (const [i, v] of vectors.entries()) {
      await client.query('INSERT INTO h VALUES ($1, $2)', [i, pgvector.toSql(v)]);
    }
    const { rows } = await client.query('SELECT id, embedding FROM h ORDER BY id');
    rows.forEach((r, i) => assert.deepEqual(r.embedding, vectors[i]));

    await client.query('CREATE INDEX ON h USING hnsw (embedding halfvec_l2_ops)');
    await client.query('SET enable_seqscan = off');
    const q = vectors[3];
    const knn = await client.query(
      'SELECT id FROM h ORDER BY embedding <-> $1::halfvec LIMIT 5', [pgvector.toSql(q)]);
    const expected = vectors.map((v, i) => [l2(v, q), i]).sort((a, b) => a[0] - b[0]).slice(0, 5).map((p) => p[1]);
    assert.deepEqual(knn.rows.map((r) => r.id), expected);
  });

  it('round-trip SparseVector objects and answer a kNN query with a parameter', async () => {
    const dense = [
      [0, 1.5, 0, 0, -2],
      [3, 0, 0, 0.25, 0],
      [0, 0, 7, 0, 0],
      [0, 1.5, 0, 0, -1.5],
    ];
    await client.query('CREATE TABLE s (id int, embedding sparsevec(5))');
    for (const [i, v] of dense.entries()) {
      await client.query('INSERT INTO s VALUES ($1, $2)', [i, pgvector.toSql(new SparseVector(v))]);
    }
    const { rows } = await client.query('SELECT id, embedding FROM s ORDER BY id');
    rows.forEach((r, i) => {
      assert.ok(r.embedding instanceof SparseVector, 'registerTypes parser returns a SparseVector');
      assert.deepEqual(r.embedding.toArray(), dense[i]);
    });
    const fromMap = new SparseVector({ 1: 1.5, 4: -2 }, 5);
    const knn = await client.query(
      'SELECT id, embedding <-> $1 AS d FROM s ORDER BY embedding <-> $1 LIMIT 2', [pgvector.toSql(fromMap)]);
    assert.deepEqual(knn.rows.map((r) => r.id), [0, 3]);
    assert.equal(knn.rows[0].d, 0);
  });

  it('send bit strings and binary_quantize results, and compute Hamming distances', async () => {
    const { rows } = await client.query(
      "SELECT $1::bit(4) <~> $2::bit(4) AS hamming, binary_quantize($3::vector)::text AS q",
      ['1010', '0110', pgvector.toSql([1, -2, 0, 3])]);
    assert.equal(rows[0].hamming, 2);
    assert.equal(rows[0].q, '1001');
  });
});
