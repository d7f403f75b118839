// What sealing rows after they are inserted would cost at least, on this machine: issue 20 suggests
// chaining audit rows after commit (a sequencer) so that writers stop taking turns. Any such design
// writes a row twice: the INSERT, then an UPDATE that fills chain_position, previous_hash and
// record_hash; chain_position is indexed (the fork-proof unique index), so that UPDATE is never a HOT
// update and touches every index. This measures that shape alone, without any hashing or lock: each
// row inserted into audit_log_plain and its chain columns updated in the same transaction, by one
// server-side function call, against the same function inserting only. With 8 writers, the ratio is
// a ceiling for every sealing-after-insert design on this machine (the sequencer's hashing and its lock
// come on top).
import pg from 'pg';
import { openWriters } from './appends.js';
import { fixed, int, median, seconds } from './measure.js';

export interface SealShape {
  writers: number;
  perWriter: number;
  insertOnly: number;
  insertThenSeal: number;
  ratio: number;
}

async function callAll(clients: pg.Client[], fn: string, perWriter: number, tag: string): Promise<number> {
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, writer) => {
      for (let i = 0; i < perWriter; i++) await client.query(`select ${fn}($1, $2::jsonb)`, ['BENCH_SEAL_SHAPE', JSON.stringify({ tag, writer, i })]);
    }),
  );
  return seconds(started);
}

/** Needs audit_log_plain (createPlainTable). Creates two functions and a sequence in the bench database. */
export async function benchSealShape(admin: pg.Client, url: string, writers: number, perWriter: number, rounds: number): Promise<SealShape> {
  await admin.query('create sequence bench_seal_position start 1000000000');
  await admin.query(`create function bench_insert_only(et text, d jsonb) returns void language plpgsql as $$
    begin insert into audit_log_plain (event_type, details) values (et, d); end $$`);
  await admin.query(`create function bench_insert_then_seal(et text, d jsonb) returns void language plpgsql as $$
    declare row_id uuid;
    begin
      insert into audit_log_plain (event_type, details) values (et, d) returning id into row_id;
      update audit_log_plain set chain_position = nextval('bench_seal_position'), previous_hash = repeat('cd', 32), record_hash = repeat('ef', 32)
       where id = row_id;
    end $$`);
  const clients = await openWriters(url, writers);
  try {
    await callAll(clients, 'bench_insert_only', 100, 'warmup');
    await callAll(clients, 'bench_insert_then_seal', 100, 'warmup');
    const only: number[] = [];
    const sealed: number[] = [];
    const total = writers * perWriter;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['bench_insert_only', 'bench_insert_then_seal'] : ['bench_insert_then_seal', 'bench_insert_only'];
      for (const fn of order) (fn === 'bench_insert_only' ? only : sealed).push(total / (await callAll(clients, fn, perWriter, `round${r}`)));
      console.log(`  ${writers} writers, round ${r + 1}/${rounds}: insert ${int(only[r]).padStart(7)} rows/s, insert then update ${int(sealed[r]).padStart(7)} rows/s, ratio ${fixed(sealed[r] / only[r])}`);
    }
    const insertOnly = median(only);
    const insertThenSeal = median(sealed);
    return { writers, perWriter, insertOnly, insertThenSeal, ratio: insertThenSeal / insertOnly };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
