import type { App } from '../../http/types.js';

/** Filled in by its capability (work in progress). */
export function registerAppealRoutes(_app: App): void {}
