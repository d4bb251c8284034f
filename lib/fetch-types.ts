// Types of sess.run (API.md "Sessions"): the result type computed from the fetch structure
// (Tensor → NDArray, Operation → null, name → NDArray and/or null, arrays, tuples, plain
// objects and Maps recursively), and the typed feed values. Types only: nothing here exists
// at run time, and nothing refers to Node's types (this file's .d.ts is public).
import type { TypedArray } from './dtypes';
import type { FeedDict, Operation, Tensor } from './graph';
import type { NDArray, Scalar } from './ndarray';

/** A scalar or (read-only or not) nested JS arrays of scalars. */
export type NestedValue = Scalar | readonly NestedValue[];

/**
 * What a fed tensor may be given: a number, boolean, bigint, nested array, typed array or
 * NDArray. A `Tensor` is not a feed value (TypeError at run time, as in TF1).
 */
export type FeedValue = NestedValue | TypedArray | NDArray;

/** A feed dict given as a plain object keyed by tensor names: `{ 'x:0': [1, 2] }`. */
export interface FeedObject { readonly [tensorName: string]: FeedValue }

/** Anything `sess.run` accepts as its feed dict. */
export type Feeds = FeedDict | FeedObject;

/** One fetch: a Tensor, an Operation, or a graph element's name ("Add:0" or "init"). */
export type FetchElement = Tensor | Operation | string;

/**
 * Any fetch structure: an element, or arrays, Maps and plain objects nesting them. For
 * annotating variables; `sess.run` also accepts interface-typed objects of fetches.
 */
export type Fetches = FetchElement | readonly Fetches[] | ReadonlyMap<unknown, Fetches> | { readonly [key: string]: Fetches };

/**
 * The check `sess.run` puts on its fetches F (its parameter is `F & ValidFetches<F>`): F
 * itself where it is a valid fetch structure (interface-typed objects included), else a type
 * F is not assignable to, so the call fails to compile (a number, null, undefined, a
 * function, an NDArray or another class instance, at any depth).
 */
export type ValidFetches<F> =
  [Fetches] extends [F] ? Fetches  // F is the loose Fetches type (or wider: unknown is rejected)
  : ValidFetchesOf<F>;
type ValidFetchesOf<F> =
  F extends FetchElement ? F
  : F extends readonly unknown[] ? { readonly [K in keyof F]: ValidFetches<F[K]> }
  : F extends ReadonlyMap<infer K, infer V> ? ReadonlyMap<K, ValidFetches<V>>
  : F extends (...args: never[]) => unknown ? FetchElement
  : F extends object ? { readonly [K in keyof F]: ValidFetches<F[K]> }
  : FetchElement;

/**
 * The result of fetching a name: a name with ':' is a tensor ("Add:0") → NDArray; a literal
 * without ':' is an operation ("init") → null; a name whose text is not known statically
 * (`string`, or a template such as `` `layer/${string}` ``) → NDArray | null.
 */
export type NameFetchResult<S extends string> =
  S extends `${string}:${string}` ? NDArray
  : {} extends Record<S, 1> ? NDArray | null
  : null;

type IsAny<T> = 0 extends 1 & T ? true : false;
/** True for the loose Fetches type (or wider), whose result is only known as a FetchValue. */
type IsLoose<T> = IsAny<T> extends true ? false : [Fetches] extends [T] ? true : false;

/** Any value `sess.run` may return: what fetches of the loose `Fetches` type give. */
export type FetchValue = NDArray | null | FetchValue[] | Map<unknown, FetchValue> | { [key: string]: FetchValue };

/**
 * What `sess.run(fetches)` returns for fetches of type F: the same structure with each
 * Tensor (or subclass) as an NDArray and each Operation as null. Tuples stay tuples
 * (`const [x, y] = sess.run([a, b])` gives two NDArrays), arrays stay arrays, objects keep
 * their keys, a Map keeps its keys; results are mutable (run builds them fresh). `any`
 * fetches give `any`; the loose `Fetches` type gives a `FetchValue`.
 */
export type FetchResult<F> = F extends unknown ? (IsAny<F> extends true ? any : FetchResultOf<F>) : never;

type FetchResultOf<F> =
  F extends Tensor ? NDArray
  : F extends Operation ? null
  : F extends string ? NameFetchResult<F>
  : F extends readonly (infer E)[] ? (IsLoose<E> extends true ? FetchValue[] : { -readonly [K in keyof F]: FetchResult<F[K]> })
  : F extends ReadonlyMap<infer K, infer V> ? Map<K, IsLoose<V> extends true ? FetchValue : FetchResult<V>>
  : F extends { readonly [key: string]: infer V } ? (IsLoose<V> extends true ? { [key: string]: FetchValue } : { -readonly [K in keyof F]: FetchResult<F[K]> })
  : F extends object ? { -readonly [K in keyof F]: FetchResult<F[K]> }
  : never;

/** The positional feed values of a callable made with feed list L (one FeedValue per key). */
export type CallableFeedValues<L extends readonly unknown[]> = { -readonly [K in keyof L]: FeedValue };

/** What `sess.makeCallable(fetches, feedList)` returns. */
export type CallableFn<F, L extends readonly unknown[] = []> = (...feedValues: CallableFeedValues<L>) => FetchResult<F>;
