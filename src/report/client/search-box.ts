/** A search input with a visible placeholder and an accessible name (the report search, table filters). */
export function searchBox(placeholder: string, label: string): HTMLInputElement {
  const input = document.createElement("input");
  input.type = "search";
  input.placeholder = placeholder;
  input.setAttribute("aria-label", label);
  return input;
}
