/**
 * What the Inside panel shows for one position of a context: the logit lens, the attention weights of that position
 * and the residual-stream norm, per layer. Plain data (typed arrays, transferable); the UI imports these types.
 */

/** The three views; a model may be able to give some and not others. */
export type InsideView = 'lens' | 'attention' | 'residual';

/** Tokens per layer in the lens grid. */
export const LENS_TOP = 5;

export interface InsideRequest {
  type: 'inside';
  /** the context, oldest first: the panel explains the prediction made after its last token */
  ids: number[];
}

export interface InsideResult {
  modelId: string;
  /** context positions (ids.length after any cut to the window) */
  positions: number;
  layers: number;
  heads: number;
  /** `layers × LENS_TOP`, row per layer, best first: the next-token distribution read after each layer */
  lensIds: Int32Array | null;
  lensProbs: Float32Array | null;
  /** per layer: the probability of the model's final choice (the last layer's top token) */
  finalChoiceProbs: Float32Array | null;
  /** `layers × heads × positions`: the weights from the last position to every position (each head's row sums to 1) */
  attention: Float32Array | null;
  /** per layer: the L2 norm of the hidden state at the last position after that layer */
  residualNorms: Float32Array | null;
  /** the text of every id in lensIds (decoded alone) */
  tokenTexts: Record<number, string>;
  /** a sentence per view the model cannot give, saying why */
  unavailable: Partial<Record<InsideView, string>>;
  ms: number;
}

export interface InsideResponse {
  type: 'inside-done';
  result: InsideResult;
}
