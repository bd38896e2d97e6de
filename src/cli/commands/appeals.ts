import type { Command } from 'commander';
import type { CliContext } from '../io.js';

/** Filled in by its capability (work in progress). */
export function registerAppeals(_program: Command, _ctx: CliContext): void {}
