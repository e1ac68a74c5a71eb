/**
 * Counts as the Generate lab prints them (12,345). One shared formatter: `toLocaleString` builds a new one per call,
 * which showed in the profile of a streaming run (several calls per panel per step).
 */
const integer = new Intl.NumberFormat('en-US');

export const formatCount = (n: number): string => integer.format(n);
