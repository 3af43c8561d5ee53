import type { PolicySection } from '../policy/access-policy.js';

// Data about persons that a module has read but may not hand out yet: only PersonReads opens it,
// after the policy decided and the audit row is committed. A resolver that returns a Withheld
// where its GraphQL type is expected does not compile, so a read that skips the check cannot ship.

/** A person the data is about: the ids the audit row names. */
export interface PersonReference {
  id: string;
  /** An NHS number the index holds for the person, if any. */
  nhsNumber?: string | null;
}

interface Contents {
  value: unknown;
  persons: readonly PersonReference[];
  sections: readonly PolicySection[];
}

// Only this file and PersonReads (through openWithheld, which the module index does not export) reach the value.
const contents = new WeakMap<object, Contents>();

/** A key no other file can name (type-only, nothing at run time). */
declare const sealedType: unique symbol;

export class Withheld<T> {
  /** Keeps T in the type, under a key only this file can name: Withheld<A> is not Withheld<B>, nor is a look-alike object. */
  declare readonly [sealedType]: T;

  private constructor() {
    Object.freeze(this);
  }

  /**
   * Seals `value`, which holds the given sections of these persons' data (no person: a read that
   * found nobody, which is still decided and audited).
   */
  static of<T>(value: T, persons: readonly PersonReference[], sections: readonly PolicySection[]): Withheld<T> {
    const sealed = new Withheld<T>();
    contents.set(sealed, {
      value,
      persons: Object.freeze(persons.map((person) => Object.freeze({ id: person.id, nhsNumber: person.nhsNumber ?? null }))),
      sections: Object.freeze([...sections]),
    });
    return sealed;
  }

  /** Who the data is about (ids only): safe to inspect before release. */
  get persons(): readonly PersonReference[] {
    return contents.get(this)!.persons;
  }
}

/** @internal PersonReads only. */
export function openWithheld<T>(sealed: Withheld<T>): {
  value: T;
  persons: readonly PersonReference[];
  sections: readonly PolicySection[];
} {
  const found = contents.get(sealed);
  if (!found) throw new TypeError('not a Withheld made by Withheld.of');
  return found as { value: T; persons: readonly PersonReference[]; sections: readonly PolicySection[] };
}
