/**
 * Depth of a parsed JSON value, walked iteratively so a hostile document cannot overflow the stack
 * (MAX_JSON_DEPTH has no upper bound). Two parallel stacks and for-in: this runs on every request body,
 * and per-node tuples or Object.values arrays cost more than the walk itself.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop() as number;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    if (Array.isArray(current)) {
      for (const child of current) {
        if (typeof child === 'object' && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    const record = current as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
