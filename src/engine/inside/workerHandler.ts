/** The worker's Inside handler: the loaded model's internals for the last position of a context. */
import type { NextTokenBackend } from '../backends/types';
import { OnnxBackend } from '../backends/onnx/backend';
import { EngineFailure } from '../handlers';
import { messageOf } from '../protocol';
import { runInside } from './run';
import type { InsideRequest, InsideResponse } from './types';

export async function handleInsideRequest(req: InsideRequest, backend: NextTokenBackend | null): Promise<InsideResponse> {
  if (!backend) throw new EngineFailure('No model is loaded: pick a model in the Generate tab first, then open Inside again.');
  if (!(backend instanceof OnnxBackend))
    throw new EngineFailure(
      'A server model runs elsewhere: its hidden states and attention never reach the browser, so Inside works only with a model that runs in this tab.',
    );
  if (req.ids.length === 0) throw new EngineFailure('There is no context to look inside: generate a token first.');
  try {
    return { type: 'inside-done', result: await runInside(backend.lm, req.ids) };
  } catch (err) {
    throw new EngineFailure(`Looking inside the model failed: ${messageOf(err)}. Try again, or another step.`);
  }
}
