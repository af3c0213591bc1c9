// zod for the page's script: `import { z } from 'zod'` keeps all of zod in a bundle (its `z`
// namespace carries every locale, 450 KB minified); the page needs only these builders, so the web
// build maps 'zod' here (scripts/build.mjs, src/cli/report-script.ts) and the bundle keeps ~80 KB.
// A builder missing here fails the browser test of the drop zone; add it to the list.
import {
  array,
  boolean,
  enum as enum_,
  literal,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
} from '../node_modules/zod/v4/classic/schemas.js';

export const z = {
  array,
  boolean,
  enum: enum_,
  literal,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
};
