// DOM helpers shared by the development pages (the card preview and the minimal CDS client). Text goes in with
// textContent, never as HTML.

export const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `text` for its text, any other as an attribute) and child nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}
