/** Saving a fetched file in the browser. */

/** The file name of a Content-Disposition header (the UTF-8 `filename*` first), or `fallback`. */
export function fileNameFrom(disposition: string, fallback: string): string {
  const utf8 = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (utf8) {
    try {
      return decodeURIComponent(utf8.trim());
    } catch {
      // A malformed escape: fall through to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]+)"/i.exec(disposition)?.[1] ?? /filename\s*=\s*([^;]+)/i.exec(disposition)?.[1];
  return plain?.trim() || fallback;
}

/** Hands a blob to the browser as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL only holds the blob in memory.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
