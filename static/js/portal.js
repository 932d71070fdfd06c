// Small enhancements; every page works without them.
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = button.dataset.copied || "✓";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Template editor: chips insert a variable or a block where the cursor was.
let lastField = null;
document.addEventListener("focusin", (event) => {
  if (event.target.matches(".template-field")) lastField = event.target;
});
document.addEventListener("click", (event) => {
  const chip = event.target.closest("button[data-insert]");
  if (!chip) return;
  const field = lastField || document.querySelector("textarea.template-field");
  if (!field) return;
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  field.setRangeText(chip.dataset.insert, start, end, "end");
  field.focus();
  field.dispatchEvent(new Event("input", { bubbles: true }));
});
