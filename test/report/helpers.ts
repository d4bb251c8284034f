// Shared inputs for the report tests: real traced runs of a small MLP, and an HTML structure check.
import * as tf from 'tensorloom';
import { buildMlp } from '../../examples/mlp';

export const FULL = () => new tf.RunOptions({ traceLevel: tf.RunOptions.FULL_TRACE });

/** `steps` traced runs of a 16 → 32 → 32 → 4 MLP (batch 8) in its own graph. */
export function mlpRuns(steps: number): { metas: tf.RunMetadata[]; nodes: string[] } {
  const graph = new tf.Graph();
  const mlp = buildMlp({ sizes: [16, 32, 32, 4], seed: 3, graph });
  const sess = new tf.Session({ graph });
  const feeds = new Map([[mlp.x, mlp.batch(8)]]);
  const metas: tf.RunMetadata[] = [];
  for (let i = 0; i < steps; i++) {
    const meta = new tf.RunMetadata();
    sess.run(mlp.probs, feeds, FULL(), meta);
    metas.push(meta);
  }
  sess.close();
  const nodes = metas[0].stepStats.devStats[0].nodeStats.map((n) => n.nodeName);
  return { metas, nodes };
}

/** A name no graph accepts, to check escaping (reports also read hand-made stats and traces). */
export const EVIL = `<script>alert("x")</script><img src=x onerror="window.__pwned=1">'&`;

/** Renames node `from` to `to` in plain copies of the runs (the copies keep no exact timing). */
export function renamed(metas: tf.RunMetadata[], from: string, to: string) {
  return metas.map((m) => {
    const copy = JSON.parse(JSON.stringify(m)) as tf.RunMetadata;
    for (const d of copy.stepStats.devStats) {
      for (const n of d.nodeStats) {
        if (n.nodeName === from) {
          n.nodeName = to;
          n.timelineLabel = n.timelineLabel.replace(from, to);
        }
      }
    }
    return copy;
  });
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** A start tag of the page (outside script and style text). */
export interface Tag { name: string; attrs: Record<string, string> }

/**
 * A minimal well-formedness check: every non-void element is closed in order (script/style
 * contents are raw text), attribute values are quoted, and no stray "<" appears in text.
 * Returns the problems found (empty when fine) and the start tags.
 */
export function parseHtml(html: string): { problems: string[]; tags: Tag[] } {
  const problems: string[] = [];
  const tags: Tag[] = [];
  if (!html.startsWith('<!DOCTYPE html>')) problems.push('no doctype');
  const stack: string[] = [];
  let i = html.indexOf('>') + 1;
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"]*")?)*)\s*(\/?)>/y;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(html);
    if (!m) { problems.push(`stray or malformed tag at ${lt}: ${JSON.stringify(html.slice(lt, lt + 40))}`); i = lt + 1; continue; }
    const [, close, rawName, rawAttrs, selfClose] = m;
    const name = rawName.toLowerCase();
    i = tag.lastIndex;
    if (close) {
      const top = stack.pop();
      if (top !== name) { problems.push(`</${name}> closes <${top}> at ${lt}`); if (top) stack.push(top); }
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?/g)) attrs[a[1].toLowerCase()] = a[2] ?? '';
    tags.push({ name, attrs });
    if (VOID.has(name) || selfClose) continue;
    if (name === 'script' || name === 'style') {
      const end = html.indexOf(`</${name}>`, i);
      if (end < 0) { problems.push(`unclosed <${name}>`); break; }
      i = end + name.length + 3;
    } else stack.push(name);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  return { problems, tags };
}

/** The data embedded in the page. */
export function pageData(html: string): {
  strings: string[]; colors: Record<string, string>;
  steps: { n: number; wall: number; lanes: string[]; s: number[]; mem: { a: string; p: number[] }[] | null }[];
} {
  const m = /<script type="application\/json" id="tl-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded data');
  return JSON.parse(m[1]);
}
