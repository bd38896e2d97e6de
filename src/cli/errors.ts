/** An error the CLI reports as `govshare: <message>` and turns into an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Bad usage that commander cannot catch by itself (a value it cannot judge, a missing format). Exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** An RFC 9457 problem as the API sends it; extra members (such as `receipt`) are kept. */
export interface ProblemBody {
  status: number;
  code: string;
  title: string;
  detail?: string;
  [extra: string]: unknown;
}

export function isProblem(body: unknown): body is ProblemBody {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.status === 'number' &&
    typeof b.code === 'string' &&
    (typeof b.title === 'string' || typeof b.detail === 'string')
  );
}

/** `<detail> (<code>, HTTP <status>)`, the title standing in for a missing detail. */
export function formatProblem(p: ProblemBody): string {
  const text = typeof p.detail === 'string' && p.detail !== '' ? p.detail : p.title;
  return `${text} (${p.code}, HTTP ${p.status})`;
}

/** An error response of the API. */
export class ApiError extends CliError {
  readonly problem: ProblemBody;
  constructor(problem: ProblemBody, hint?: string) {
    super(hint === undefined ? formatProblem(problem) : `${formatProblem(problem)}\ngovshare: ${hint}`, 1);
    this.name = 'ApiError';
    this.problem = problem;
  }
}
