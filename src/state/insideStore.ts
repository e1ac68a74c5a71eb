/**
 * Inside panel state. Stored: whether the panel is open in each lab, the view the user chose (layer, head) and what
 * the engine reported for the context it was asked about. The panel's data exists only while it is open: closing
 * it (or leaving the lab) drops it, and nothing is fetched while it is closed.
 */
import { create } from 'zustand';
import type { InsideResult } from '../engine/protocol';
import { messageOf } from '../engine/protocol';
import { engine } from './engineClient';
import { latestWins } from './latestWins';

export type InsideLab = 'generate' | 'analyse';
/** a head index, or the mean over the layer's heads */
export type HeadChoice = number | 'mean';

export interface InsideState {
  open: Record<InsideLab, boolean>;
  /** the lab whose context `result` (or the request in flight) belongs to */
  lab: InsideLab | null;
  /** the context asked about (ids joined), so the same step is not fetched twice */
  contextKey: string;
  status: 'idle' | 'loading' | 'done' | 'error';
  result: InsideResult | null;
  error: string | null;
  layer: number;
  head: HeadChoice;
}

export const useInsideStore = create<InsideState>()(() => ({
  open: { generate: false, analyse: false },
  lab: null,
  contextKey: '',
  status: 'idle',
  result: null,
  error: null,
  layer: 0,
  head: 'mean',
}));

const set = useInsideStore.setState;
const get = useInsideStore.getState;

let wanted: { lab: InsideLab; ids: number[]; key: string } | null = null;

const fetcher = latestWins(async () => {
  const want = wanted;
  if (!want || !get().open[want.lab]) return;
  set({ status: 'loading', error: null, lab: want.lab, contextKey: want.key });
  try {
    const r = await engine.request({ type: 'inside', ids: want.ids });
    // closed or moved on meanwhile: drop what came back
    if (!get().open[want.lab] || get().contextKey !== want.key) return;
    const layers = r.result.layers;
    set({ status: 'done', result: r.result, layer: Math.min(get().layer, Math.max(0, layers - 1)) });
  } catch (err) {
    if (get().contextKey === want.key) set({ status: 'error', error: messageOf(err), result: null });
  }
});

export const insideActions = {
  setOpen(lab: InsideLab, open: boolean) {
    set({ open: { ...get().open, [lab]: open } });
    if (!open && get().lab === lab) insideActions.drop();
  },
  /** The context the open panel explains (its last token is the one the prediction follows). */
  show(lab: InsideLab, ids: number[]) {
    const key = ids.join(',');
    if (get().lab === lab && get().contextKey === key && get().status !== 'error') return;
    wanted = { lab, ids, key };
    fetcher.request();
  },
  /** Forget the data (the panel closed, or there is nothing to explain). */
  drop() {
    wanted = null;
    fetcher.reset();
    set({ lab: null, contextKey: '', status: 'idle', result: null, error: null });
  },
  setLayer: (layer: number) => set({ layer }),
  setHead: (head: HeadChoice) => set({ head }),
};
