/**
 * How a token is coloured and described. Colours are light so dark text stays readable (contrast ≥ 7:1 with the
 * ink colour on every swatch); the same facts are always given as text too (aria-label, details, legend).
 */
import { interpolateRgbBasis, scaleLog, scaleSequential } from 'd3';
import { bucketLabels, rankBucket } from '../../engine/analyse/summary';
import type { ColourMeasure } from '../../state/analyseStore';

/** top-1 → beyond: green, yellow, orange, red, violet (after GLTR). */
export const BUCKET_COLOURS = ['#a7e3b2', '#eef59b', '#ffd391', '#ffaaa5', '#dcc2f7'];
const UNSCORED_COLOUR = '#e6e7ea';

/** probability on a log scale, 1e-4 … 1: red (unlikely) → yellow → green (expected) */
const probColour = scaleSequential(interpolateRgbBasis(['#ffaaa5', '#ffd391', '#eef59b', '#a7e3b2'])).domain([-4, 0]).clamp(true);
/** surprisal, 0 … 16 bits: white (expected) → red/violet (surprising) */
const surprisalColour = scaleSequential(interpolateRgbBasis(['#ffffff', '#ffe9a8', '#ffb59c', '#e9a6d8'])).domain([0, 16]).clamp(true);

const PROB_TICKS = [1e-4, 1e-3, 1e-2, 0.1, 1];
const SURPRISAL_TICKS = [0, 4, 8, 12, 16];

export function tokenColour(measure: ColourMeasure, rank: number, prob: number, surprisal: number, thresholds: readonly number[]): string {
  if (!(rank >= 1)) return UNSCORED_COLOUR;
  if (measure === 'rank') return BUCKET_COLOURS[Math.min(rankBucket(rank, thresholds), BUCKET_COLOURS.length - 1)];
  if (measure === 'prob') return probColour(Math.log10(Math.max(prob, 1e-12)));
  return surprisalColour(surprisal);
}

export function legendGradient(measure: 'prob' | 'surprisal'): { stops: { offset: number; colour: string }[]; ticks: { at: number; label: string }[] } {
  const stops = Array.from({ length: 11 }, (_, i) => i / 10);
  if (measure === 'prob') {
    const x = scaleLog().domain([1e-4, 1]).range([0, 1]);
    return {
      stops: stops.map((o) => ({ offset: o, colour: probColour(-4 + 4 * o) })),
      ticks: PROB_TICKS.map((t) => ({ at: x(t), label: t >= 0.01 ? String(t) : t.toExponential(0) })),
    };
  }
  return {
    stops: stops.map((o) => ({ offset: o, colour: surprisalColour(16 * o) })),
    ticks: SURPRISAL_TICKS.map((t) => ({ at: t / 16, label: `${t}${t === 16 ? '+' : ''} bits` })),
  };
}

export function formatProb(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p >= 0.01) return p.toFixed(p >= 0.995 ? 3 : 2);
  return p.toExponential(1);
}

export function formatBits(b: number): string {
  return Number.isFinite(b) ? b.toFixed(1) : '–';
}

let labelled: { thresholds: readonly number[]; labels: string[] } = { thresholds: [], labels: [] };

/** The bucket labels of the thresholds, made once per thresholds rather than once per token. */
function labelsOf(thresholds: readonly number[]): string[] {
  if (labelled.thresholds !== thresholds) labelled = { thresholds, labels: bucketLabels(thresholds) };
  return labelled.labels;
}

/** e.g. `"walked": rank 3 (top-10), p=0.12, 3.1 bits` — the numbers a sighted user reads from the colour and the details. */
export function tokenAriaLabel(text: string, rank: number, prob: number, surprisal: number, thresholds: readonly number[]): string {
  const shown = JSON.stringify(text);
  if (!(rank >= 1)) return `${shown}: no prediction (nothing before it)`;
  const bucket = labelsOf(thresholds)[rankBucket(rank, thresholds)];
  return `${shown}: rank ${rank} (${bucket}), p=${formatProb(prob)}, ${formatBits(surprisal)} bits`;
}
