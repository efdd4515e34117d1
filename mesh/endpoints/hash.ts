// Rendezvous (highest-random-weight) hashing: a key maps to the same endpoint
// while that endpoint exists, and only keys on a removed endpoint move.

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function rendezvousPick<T>(key: string, items: readonly T[], idOf: (item: T) => string): T | undefined {
  const k = fnv1a(key);
  let best: T | undefined;
  let bestScore = -1;
  for (const item of items) {
    const score = mix(k ^ fnv1a(idOf(item)));
    if (score > bestScore) {
      best = item;
      bestScore = score;
    }
  }
  return best;
}
