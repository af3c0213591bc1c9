// Which build of the bundle this code is part of. scripts/build.mjs replaces __STACKLAB_BUILD__ with
// one id in every bundle it writes (dist/stacklab.mjs, dist/frames-worker.mjs), so a worker can tell
// that it belongs to the same build as the thread that started it. Run from the sources (tsx) there
// is no id, and nothing is started in a worker.

declare const __STACKLAB_BUILD__: string | undefined;

export const BUILD_ID: string | undefined =
  typeof __STACKLAB_BUILD__ === 'string' ? __STACKLAB_BUILD__ : undefined;
