export type Role = 'admin' | 'department';

/** Who is making a request. Departments authenticate with API tokens issued by the data-center admin. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'department'; departmentId: string; role: Role; tokenId: string }
  | { kind: 'system'; reason: string }; // the node itself: start-up, demo builder, background jobs

export const ANONYMOUS: Principal = { kind: 'anonymous' };
export const systemPrincipal = (reason: string): Principal => ({ kind: 'system', reason });
