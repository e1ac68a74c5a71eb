/** Saving what the app made (an export, a chart) as a file. */

/** Saves text as a file through the browser's download. */
export function download(text: string | Blob, fileName: string, type: string): void {
  const blob = typeof text === 'string' ? new Blob([text], { type }) : text;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
