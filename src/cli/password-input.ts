/**
 * Reads a password: from a hidden prompt on a terminal (nothing is echoed), or the first line of
 * standard input when it is piped (`echo "$PW" | gatehouse hash-password`). Returns null when
 * nothing was entered or the prompt was interrupted.
 */
export async function readPassword(prompt: string): Promise<string | null> {
  const input = process.stdin;
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) {
      text += chunk;
      if (text.includes('\n') || text.length > 1024 * 1024) break;
    }
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    return line === '' ? null : line;
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  try {
    return await new Promise<string | null>((resolve) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            input.off('data', onData);
            return resolve(typed === '' ? null : typed);
          }
          if (char === '\u0003' || char === '\u0004') {
            input.off('data', onData);
            return resolve(null);
          }
          if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
          else typed += char;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}
