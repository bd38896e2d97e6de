import type { App } from '../../http/types.js';

/** Filled in by its capability (work in progress). */
export function registerStatusRoutes(_app: App): void {}
