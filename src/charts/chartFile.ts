/**
 * A chart on screen as a standalone file: SVG (the styles the page's CSS gives each element written onto it, so it
 * looks the same outside the app) or PNG (that SVG drawn on a canvas at twice the size).
 *
 * The styles are written as SVG presentation attributes (fill="…"), not `style` attributes: the page's
 * Content-Security-Policy (style-src 'self') refuses inline styles, also on a detached clone.
 */

const STYLE_PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline', 'visibility'];

export function svgText(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    for (const p of STYLE_PROPS) {
      const value = cs.getPropertyValue(p);
      if (value) (to[i] as SVGElement).setAttribute(p, value);
    }
  });
  const box = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.round(box.width)));
  clone.setAttribute('height', String(Math.round(box.height)));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

export async function pngBlob(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const box = svg.getBoundingClientRect();
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText(svg))}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  // the PNG is exactly `scale` times the SVG file's (rounded) size
  canvas.width = Math.max(1, Math.round(box.width)) * scale;
  canvas.height = Math.max(1, Math.round(box.height)) * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not draw the chart'))), 'image/png'));
}
