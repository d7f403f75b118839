// fast-check for the property tests, with a fixed seed: a run that fails fails again with the same
// inputs, on any machine and under any load. The seed is printed; PROPERTY_SEED=<integer> runs another
// one (to explore, or to replay a seed a failure printed). Import fc from here, not from 'fast-check'.
import fc from 'fast-check';

/** The seed every property test of this run uses (fast-check's global setting). */
export const PROPERTY_SEED = seedFromEnvironment(process.env.PROPERTY_SEED);

function seedFromEnvironment(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 20_261_205;
  const seed = Number(raw);
  // fast-check takes a 32-bit integer seed
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31) throw new Error(`PROPERTY_SEED must be a 32-bit integer, got ${JSON.stringify(raw)}`);
  return seed;
}

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: PROPERTY_SEED });
console.log(`[property] fast-check seed ${PROPERTY_SEED} (set PROPERTY_SEED to run another)`);

export default fc;
