// Semantic-version precedence (semver.org 2.0.0), without dependencies so that the command line can use it too.

/** One pre-release identifier against another (semver.org 2.0.0 §11): numbers numerically and below words. */
function compareIdentifier(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two semantic versions (semver.org 2.0.0 precedence: major.minor.patch, then the pre-release after the
 * first '-', identifier by identifier; build metadata after '+' is ignored); negative when a < b.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): { core: number[]; pre: string[] | undefined } => {
    const noBuild = v.split('+', 1)[0] ?? '';
    const dash = noBuild.indexOf('-');
    const core = (dash < 0 ? noBuild : noBuild.slice(0, dash)).split('.').map((x) => Number(x) || 0);
    return { core, pre: dash < 0 ? undefined : noBuild.slice(dash + 1).split('.') };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) if ((pa.core[i] ?? 0) !== (pb.core[i] ?? 0)) return (pa.core[i] ?? 0) - (pb.core[i] ?? 0);
  if (pa.pre === undefined || pb.pre === undefined) return pa.pre === pb.pre ? 0 : pa.pre === undefined ? 1 : -1;
  for (let i = 0; i < Math.min(pa.pre.length, pb.pre.length); i++) {
    const c = compareIdentifier(pa.pre[i] ?? '', pb.pre[i] ?? '');
    if (c !== 0) return c;
  }
  return pa.pre.length - pb.pre.length;
}
