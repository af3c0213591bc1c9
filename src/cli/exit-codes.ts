// Exit codes are part of the CLI contract (DESIGN.md §5).
export const EXIT_OK = 0;
/** Bad input: a file the command cannot use. */
export const EXIT_BAD_INPUT = 1;
/** Bad usage: unknown flag, missing argument, invalid option value. */
export const EXIT_USAGE = 2;
/** Our bug. */
export const EXIT_INTERNAL = 3;
