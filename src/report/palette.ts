// One colour (and line dash) per algorithm across every figure, so a reader learns the mapping
// once. Colours are the Okabe–Ito palette (distinguishable under the common colour-vision
// deficiencies) extended with Paul Tol's muted colours; yellow is left out because it vanishes on
// white. Built-in reference policies are dashed and the oracle dotted, so the figures also read in
// grey scale. Names may carry a parameter after a colon ('offload-all:0.4'): they take the colour
// of their base name, and colourScale shades repeated variants so they stay apart in one figure.
// Learning algorithms take their colour and label from the algorithm registry (agents/catalog.ts).
import { allAlgorithms } from '../agents/catalog.ts';

export interface SeriesStyle {
  /** '#rrggbb' */
  color: string;
  /** Vega stroke dash array; [] = solid */
  dash: number[];
  /** legend and axis label */
  label: string;
}

const SOLID: number[] = [];
const DASHED = [6, 3];
const DOTTED = [1.5, 2.5];

/** Fixed styles of the built-in references, in legend order after the learning algorithms. */
const REFERENCES: ReadonlyArray<readonly [string, SeriesStyle]> = [
  ['greedy', { color: '#56B4E9', dash: DASHED, label: 'Greedy' }], // sky blue
  ['random', { color: '#999999', dash: DASHED, label: 'Random' }], // grey
  ['local-only', { color: '#882255', dash: DASHED, label: 'Local only' }], // Tol wine
  ['offload-all', { color: '#999933', dash: DASHED, label: 'Offload all' }], // Tol olive
  ['oracle', { color: '#000000', dash: DOTTED, label: 'Oracle' }], // black
  ['conventional', { color: '#332288', dash: DASHED, label: 'Conventional' }], // Tol indigo
  ['error-free', { color: '#555555', dash: DOTTED, label: 'Error-free' }], // dark grey
];

/** Styles of the known names in legend order: the registry's algorithms (the proposed method first), then the references. */
function knownStyles(): Map<string, SeriesStyle> {
  return new Map<string, SeriesStyle>([...allAlgorithms().map((a) => [a.name, { color: a.color, dash: SOLID, label: a.label }] as const), ...REFERENCES]);
}

/** Legend order of the known names; unknown names follow, alphabetically. */
export function legendOrder(): string[] {
  return [...knownStyles().keys()];
}

/** Colours for names outside the fixed list (Tol muted, none used above). */
export const FALLBACK_COLORS: readonly string[] = ['#44AA99', '#AA4499', '#117733', '#CC6677', '#88CCEE', '#DDCC77'];

function splitName(name: string): { base: string; parameter: string | undefined } {
  const colon = name.indexOf(':');
  return colon < 0 ? { base: name, parameter: undefined } : { base: name.slice(0, colon), parameter: name.slice(colon + 1) };
}

/** FNV-1a: a stable hash so an unknown name gets the same fallback colour in every run. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Legend label: the fixed label of a known name ('Offload all (λ = 0.4)' for a variant), else the name. */
export function displayName(name: string): string {
  const { base, parameter } = splitName(name);
  const known = knownStyles().get(base);
  if (known === undefined) return name;
  if (parameter === undefined) return known.label;
  return base === 'offload-all' ? `${known.label} (λ = ${parameter})` : `${known.label} (${parameter})`;
}

/** Style of one name on its own (no knowledge of the other series in the figure). */
export function styleFor(name: string): SeriesStyle {
  const { base } = splitName(name);
  const known = knownStyles().get(base);
  if (known !== undefined) return { color: known.color, dash: [...known.dash], label: displayName(name) };
  return { color: FALLBACK_COLORS[hash(base) % FALLBACK_COLORS.length]!, dash: SOLID, label: name };
}

/** Colour of one name: fixed for known names, a deterministic fallback for others. */
export function colorFor(name: string): string {
  return styleFor(name).color;
}

/** Sorts names into the fixed legend order; variants follow their base name; unknown names last. */
export function sortByLegendOrder(names: Iterable<string>): string[] {
  const order = legendOrder();
  const rank = (name: string): number => {
    const i = order.indexOf(splitName(name).base);
    return i < 0 ? order.length : i;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Styles for the series of one figure, in legend order. Unknown names get fallback colours
 * without repeating one already in the figure (while any remain); further variants of one base
 * name ('offload-all:1', 'offload-all:0.4') get darker and lighter shades of the base colour.
 */
export function seriesStyles(names: Iterable<string>): Array<SeriesStyle & { name: string }> {
  const ordered = sortByLegendOrder(names);
  const known = knownStyles();
  const used = new Set<string>();
  const variantCount = new Map<string, number>();
  const out: Array<SeriesStyle & { name: string }> = [];
  for (const name of ordered) {
    const style = styleFor(name);
    const { base } = splitName(name);
    if (known.has(base)) {
      const k = variantCount.get(base) ?? 0;
      variantCount.set(base, k + 1);
      if (k > 0) {
        const candidate = shade(style.color, k);
        style.color = used.has(candidate) ? shade(style.color, k + 1) : candidate; // black has no darker shade
      }
    } else if (used.has(style.color)) {
      const start = hash(base) % FALLBACK_COLORS.length;
      for (let i = 1; i < FALLBACK_COLORS.length; i++) {
        const candidate = FALLBACK_COLORS[(start + i) % FALLBACK_COLORS.length]!;
        if (!used.has(candidate)) {
          style.color = candidate;
          break;
        }
      }
    }
    used.add(style.color);
    out.push({ name, ...style });
  }
  return out;
}

/** k-th extra shade of a colour: alternately darker and lighter, by 35% steps. */
function shade(hex: string, k: number): string {
  const amount = 0.35 * Math.ceil(k / 2);
  const towards = k % 2 === 1 ? 0 : 255; // odd: darker, even: lighter
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const mixed = channels.map((c) => Math.round(c + (towards - c) * Math.min(amount, 0.8)));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}
