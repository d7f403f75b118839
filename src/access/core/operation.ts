// defineOperation(): how every access-layer operation is built, so each one has the same shape and
// the same guarantees: fn(db, actor, input), with
//   1. the actor and the input validated before any SQL (ValidationError names each bad field);
//   2. one transaction (a caller's transaction becomes a savepoint); a read on its own runs its
//      statements without one: under READ COMMITTED each statement takes its own snapshot anyway, so
//      BEGIN and COMMIT would only add two round trips (production is Neon: one each). A read changes
//      nothing; at most it appends its own audit entry (exportPersonData), one INSERT, atomic by itself.
//      A read inside a caller's transaction still runs there, as a savepoint;
//   3. the actor resolved inside it (FORBIDDEN for unknown, inactive or mismatched actors);
//   4. `now`, in an input that takes it, given only by those who may choose the time they act as
//      (admins and jobs: ./clock.ts); rights checked by the access matrix (the run must call ctx.school(), ctx.student(),
//      ctx.lesson() or ctx.visibleStudents(); an operation that returns without is a defect, and
//      rolls back);
//   5. database errors turned into typed errors with stable codes.
import type { z } from 'zod';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { DatabaseOrTransaction, Transaction } from '../../db/engines/handle.js';
import { toDbError, type NexDriveError } from '../../db/errors.js';
import { actorSchema, type Actor } from './actor.js';
import { checkClockSetter } from './clock.js';
import { OperationContext } from './context.js';
import { resolveActor, resolveParentNewcomer } from './resolve-actor.js';
import type { OperationName } from './rights.js';
import { parseInput } from './validation.js';

export type OperationKind = 'read' | 'write';

export interface OperationInfo {
  readonly name: OperationName;
  readonly kind: OperationKind;
  /** The input's schema (tests walk it to feed every field bad text). */
  readonly input: z.ZodType;
}

export type Operation<I, R> = ((db: DatabaseOrTransaction, actor: Actor, input: I) => Promise<R>) & { readonly operation: OperationInfo };

export function defineOperation<S extends z.ZodType, R>(definition: {
  name: OperationName;
  kind: OperationKind;
  input: S;
  run: (ctx: OperationContext, input: z.output<S>) => Promise<R>;
  /** Turns a typed database error into the capability's own richer error (e.g. with blockingTasks). */
  mapError?: (err: NexDriveError) => NexDriveError;
  /** A parent who may not have a parents row yet (acceptParentInvitation): see resolveParentNewcomer. */
  newcomer?: 'parent';
}): Operation<z.input<S>, R> {
  const { name, kind, input: schema, run, mapError = (err) => err } = definition;
  const resolve = definition.newcomer === 'parent' ? resolveParentNewcomer : resolveActor;
  const operation = async (db: DatabaseOrTransaction, actor: Actor, rawInput: z.input<S>): Promise<R> => {
    const who = parseInput(actorSchema, actor, 'actor');
    const input = parseInput(schema, rawInput);
    try {
      const body = async (tx: Transaction) => {
        const ctx = new OperationContext(tx, await resolve(tx, who), name);
        checkClockSetter(ctx.actor, input);
        const result = await run(ctx, input);
        if (!ctx.authorized) throw new Error(`operation ${name} returned without checking the actor's rights`);
        return result;
      };
      // (a read's statements are SELECTs, which the database answers alike in or out of a transaction)
      return kind === 'read' && !(db instanceof PgTransaction) ? await body(db as unknown as Transaction) : await db.transaction(body);
    } catch (err) {
      throw mapError(toDbError(err));
    }
  };
  Object.defineProperty(operation, 'name', { value: name });
  return Object.assign(operation, { operation: { name, kind, input: schema } as const });
}
