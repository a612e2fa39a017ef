/** Hands bytes to the browser as a file download. */

/** Saves `data` as `name`, by a click on a temporary link to a blob URL. */
export function download(name: string, data: Uint8Array | string, type: string): void {
  // A copy, so the Blob gets a plain ArrayBuffer (TypeScript's BlobPart refuses a view that may be shared).
  const part = typeof data === 'string' ? data : data.slice();
  const url = URL.createObjectURL(new Blob([part], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has read the blob by the time a minute has passed; revoking at once can cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
