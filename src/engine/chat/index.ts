/** Chat engine: messages → chat template → tokens, and the context budget. Pure TS (worker and Node). */
export * from './types';
export * from './render';
export * from './families';
export * from './catalog';
export * from './models';
export * from './budget';
export * from './io';
