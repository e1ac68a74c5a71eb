/**
 * The benchmark suites, in the order they run. Each returns `{ rows, ... }` (see ../types.ts); a row's `ratio` (set by
 * the runner) says how many times better than its baseline the figure is (>1: ours is better). Figures are medians
 * over repetitions; the app path and its baseline run in the same page, interleaved.
 */
import type { Suite } from '../types';
import { grammar } from './grammar';
import { health } from './health';
import { inference } from './inference';
import { inside } from './inside';
import { longTasks } from './longTasks';
import { memory } from './memory';
import { paste } from './paste';
import { server } from './server';
import { startup } from './startup';
import { tokenize } from './tokenize';

export const suites: Suite[] = [startup, tokenize, paste, inference, health, memory, server, grammar, inside, longTasks];
