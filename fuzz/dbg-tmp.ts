import { analyzeBinary } from '../src/elf/binary.ts';
import { bytesSource } from '../src/elf/byte-source.ts';
import { target } from './targets.ts';

const t = target('elf-paths');
for (const s of await t.seeds()) {
  const b = analyzeBinary(bytesSource('x.ko', s.bytes), { sites: true });
  console.log(
    s.name,
    s.bytes.length,
    b.ok ? `ok ${b.value.functions.length} fns ${b.value.diagnostics.length} diags` : b.error.code,
  );
}
