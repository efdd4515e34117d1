// How explain, proxy-config and analyze name a VirtualService rule: by index,
// and by its `name` when it has one, so a rule can be found either way.

/** `#2`, or `#2 "reviews-v2"` for a named rule. */
export function ruleLabel(index: number, name: string | undefined): string {
  return name ? `#${index} "${name}"` : `#${index}`;
}
