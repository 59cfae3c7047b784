// Small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-default-today]")) {
    if (!input.value) {
      input.value = new Date().toISOString().slice(0, 10);
    }
  }
});
