// Deterministic synthetic embeddings for the knowledge tests and benchmark (bench/knowledge.ts imports
// this file): unit vectors of 3072 dimensions, clustered the way text embeddings are. The space has
// topics; each topic has subtopics; a chunk is a noisy point around one subtopic of its document's
// topic, and a query is a fresh point around a subtopic (never a stored vector). With the defaults,
// cosine similarity is about 0.75 within a subtopic, 0.5 within a topic and 0 across topics, and the
// noise varies per vector, so similarities spread like real ones and some fall under the 0.65
// threshold. The same seed always gives the same vectors, on any machine (a seeded PRNG, no
// Math.random), so a failing recall test can be rerun exactly.
export const EMBEDDING_DIMENSIONS = 3072;

/** mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers from a uniform source (Box-Muller, both values used). */
function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - uniform(); // (0, 1]: log(0) never happens
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function normalize(v: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

export interface SpaceOptions {
  seed: number;
  topics: number;
  subtopicsPerTopic: number;
  dims?: number;
  /** How far a subtopic lies from its topic (relative to the topic's unit length). */
  subtopicSpread?: number;
  /** Per-vector noise is uniform in [min, max] (relative to the subtopic's unit length). */
  noise?: readonly [min: number, max: number];
}

/** A clustered embedding space: call chunk() and query() for vectors, in a fixed order per seed. */
export class EmbeddingSpace {
  readonly dims: number;
  readonly topics: number;
  readonly subtopicsPerTopic: number;
  private readonly subtopics: Float64Array[];
  private readonly uniform: () => number;
  private readonly normal: () => number;
  private readonly noise: readonly [number, number];

  constructor(options: SpaceOptions) {
    this.dims = options.dims ?? EMBEDDING_DIMENSIONS;
    this.topics = options.topics;
    this.subtopicsPerTopic = options.subtopicsPerTopic;
    this.noise = options.noise ?? [0.45, 0.75];
    this.uniform = seededRandom(options.seed);
    this.normal = gaussian(this.uniform);
    const spread = options.subtopicSpread ?? 0.7;
    this.subtopics = [];
    for (let t = 0; t < this.topics; t++) {
      const topic = this.direction();
      for (let s = 0; s < this.subtopicsPerTopic; s++) {
        const offset = this.direction();
        const sub = new Float64Array(this.dims);
        for (let i = 0; i < this.dims; i++) sub[i] = topic[i] + spread * offset[i];
        this.subtopics.push(normalize(sub));
      }
    }
  }

  /** A uniformly random unit vector. */
  private direction(): Float64Array {
    const v = new Float64Array(this.dims);
    for (let i = 0; i < this.dims; i++) v[i] = this.normal();
    return normalize(v);
  }

  /** A unit vector around a subtopic, its components rounded to 6 decimals as an embedding API's JSON
   *  carries them (and so the vector text sent to the database stays short). */
  private around(subtopic: number, noise: number): number[] {
    const centre = this.subtopics[subtopic];
    const offset = this.direction();
    const v = new Float64Array(this.dims);
    for (let i = 0; i < this.dims; i++) v[i] = centre[i] + noise * offset[i];
    normalize(v);
    return Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
  }

  /** A random subtopic of `topic`. */
  subtopicOf(topic: number): number {
    return topic * this.subtopicsPerTopic + Math.floor(this.uniform() * this.subtopicsPerTopic);
  }

  /** A stored chunk's embedding: a noisy point around a random subtopic of `topic`. */
  chunk(topic: number): number[] {
    const [min, max] = this.noise;
    return this.around(this.subtopicOf(topic), min + (max - min) * this.uniform());
  }

  /** A question's embedding: a fresh point around a random subtopic (of `topic`, or of any topic). */
  query(topic = Math.floor(this.uniform() * this.topics)): number[] {
    const [min, max] = this.noise;
    return this.around(this.subtopicOf(topic), (min + max) / 2);
  }

  /** A uniform number in [0, 1) from the same seeded sequence (for choices that must repeat too). */
  random(): number {
    return this.uniform();
  }
}

/** Cosine similarity of two vectors (for checking the database's answers). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
