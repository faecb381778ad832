import type { UpdateMeta } from '../../../workflows/parcours/parcours.contract';

/** What a staff member sends for an update: the contract's input without what the API stamps (actor, time, key). */
export type StaffFields<I extends UpdateMeta> = Omit<I, keyof UpdateMeta>;
