/**
 * Whether a change this package makes to kafkajs' internals is in effect in this process (kafkajs
 * 2.2.4 is its final release, so those internals hold still), and if not, why.
 */
export type KafkajsPatchState =
  | { readonly active: true }
  | { readonly active: false; readonly reason: string };
