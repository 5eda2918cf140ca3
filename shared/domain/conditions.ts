/** The chronic conditions CareTwin monitors. Kept free of zod so the renderer can import it cheaply. */
export const CONDITIONS = ['t1d', 't2d', 'hf'] as const;
export type Condition = (typeof CONDITIONS)[number];

export const CONDITION_LABEL: Record<Condition, string> = {
  t1d: 'Type 1 diabetes',
  t2d: 'Type 2 diabetes',
  hf: 'Heart failure',
};
