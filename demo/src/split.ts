/**
 * The project's train/held-out split, STANDARD_SPLIT of src/data/standard-split.ts. That
 * file also imports the Node-only `mnist` loader, so a page cannot import the constant
 * from it; test/e2e/demo.test.ts checks that these numbers are still the same.
 */
export const TRAIN_SPLIT = { heldOutFraction: 0.2, seed: 2014 } as const;
