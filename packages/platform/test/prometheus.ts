/** One sample of a Prometheus text exposition: a metric name, its labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Each family's TYPE (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  samples: Sample[];
  /** The sum of every sample of `name` whose labels include `labels`; 0 when none. */
  sum(name: string, labels?: Record<string, string>): number;
  /** Whether any sample of `name` (with `labels`) is there at all. */
  has(name: string, labels?: Record<string, string>): boolean;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (NaN|[+-]Inf|[-+]?[0-9.eE+-]+)(?: -?[0-9]+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: a line that is
 * not a HELP, a TYPE or a sample, a family typed twice, or a sample of a family
 * whose TYPE came after it, throws, naming the line.
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const [n, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type) {
      if (types.has(type[1]!) || seen.has(type[1]!)) throw new Error(`line ${n + 1}: TYPE of ${type[1]} again or after its samples: ${line}`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (HELP.test(line)) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${n + 1} is not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    seen.add(family).add(sample[1]!);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]!.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) });
  }
  const matching = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    types,
    samples,
    sum: (name, labels) => matching(name, labels).reduce((total, s) => total + s.value, 0),
    has: (name, labels) => matching(name, labels).length > 0,
  };
}
