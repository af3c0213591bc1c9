// Synthetic kernel text addresses for symbolic locations ("gic_handle_irq+0x38/0x88"), so frames hold
// real 64-bit return addresses and the tracer's exact-value scan behaves as on hardware: the same
// location is the same value (recursion matches itself), different locations never collide.
//
// Model simplification: addresses are invented (16 B apart from KTEXT_BASE); a location prints back
// as its original text, so reports show exactly what the input table showed.

/** Start of the invented kernel text. */
export const KTEXT_BASE = 0xffff800008010000n;
/** Distance between two locations; symbolize() accepts pc within [addr - 4, addr + 8). */
const SPACING = 16n;

export class CodeMap {
  private readonly byText = new Map<string, bigint>();
  private readonly texts: string[] = [];

  /** The address standing for `text` (allocated on first use). */
  addr(text: string): bigint {
    let a = this.byText.get(text);
    if (a === undefined) {
      a = KTEXT_BASE + BigInt(this.texts.length) * SPACING;
      this.byText.set(text, a);
      this.texts.push(text);
    }
    return a;
  }

  /** The location text for a pc, tolerating the LR - 4 "call site" convention; null when unknown. */
  symbolize(pc: bigint): string | null {
    if (pc < KTEXT_BASE - 4n) return null;
    const i = Number((pc - KTEXT_BASE + 4n) / SPACING);
    const text = this.texts[i];
    if (text === undefined) return null;
    const a = KTEXT_BASE + BigInt(i) * SPACING;
    return pc >= a - 4n && pc < a + 8n ? text : null;
  }

  /** Function name of a location text ("gic_handle_irq+0x38/0x88 [mod]" -> "gic_handle_irq"). */
  static functionOf(text: string): string {
    const plus = text.indexOf('+0x');
    const name = plus > 0 ? text.slice(0, plus) : (text.split(/\s/)[0] ?? text);
    return name;
  }
}
