// The report's print button: the browser's own print dialog (A4, the page's print CSS).
// A file, not inline script: the dashboard's Content-Security-Policy allows scripts from itself only.
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
