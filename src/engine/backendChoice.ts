/**
 * Which backend runs the model, and why: WebGPU when the browser offers an
 * adapter (or the user forces it), WASM otherwise.
 */
import type { BackendChoice, LocalBackend } from './protocol';

export interface BackendDecision {
  backend: LocalBackend;
  reason: string;
}

interface GpuLike {
  requestAdapter(): Promise<unknown | null>;
}

async function webGpuAvailability(gpu: GpuLike | undefined): Promise<{ ok: boolean; reason: string }> {
  if (!gpu) return { ok: false, reason: 'WebGPU unavailable: this browser does not expose navigator.gpu' };
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? { ok: true, reason: 'WebGPU adapter found' } : { ok: false, reason: 'WebGPU unavailable: no adapter' };
  } catch (err) {
    return { ok: false, reason: `WebGPU unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export async function chooseBackend(choice: BackendChoice, gpu: GpuLike | undefined): Promise<BackendDecision> {
  if (choice === 'wasm') return { backend: 'wasm', reason: 'WASM chosen by you' };
  const webgpu = await webGpuAvailability(gpu);
  if (choice === 'webgpu') {
    if (!webgpu.ok) throw new Error(`${webgpu.reason}. Choose "Automatic" or "WASM" to run on the CPU.`);
    return { backend: 'webgpu', reason: 'WebGPU chosen by you' };
  }
  return webgpu.ok ? { backend: 'webgpu', reason: 'WebGPU available (automatic choice)' } : { backend: 'wasm', reason: `${webgpu.reason}; running on WASM` };
}
