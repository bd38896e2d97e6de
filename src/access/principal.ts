export type Role = 'admin' | 'department';

/** Who is making a request. Departments authenticate with API tokens; people with person tokens the node signs. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'department'; departmentId: string; role: Role; tokenId: string }
  | { kind: 'person'; subject: string /* blind index of the ID number */; tokenId: string }
  | { kind: 'system'; reason: string }; // the node itself: start-up, demo builder, background jobs

export const ANONYMOUS: Principal = { kind: 'anonymous' };
export const systemPrincipal = (reason: string): Principal => ({ kind: 'system', reason });
