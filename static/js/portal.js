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

// The debtor's pay button shows the total of the ticked invoices (the server shows the default's).
function updatePayTotal(form) {
  const button = form.querySelector("button[data-pay-label]");
  if (!button) return;
  let cents = 0;
  form.querySelectorAll("input[name='invoice'][data-cents]:checked").forEach((input) => {
    cents += parseInt(input.dataset.cents, 10) || 0;
  });
  const amount = new Intl.NumberFormat(form.dataset.locale || undefined, {
    style: "currency",
    currency: form.dataset.currency || "EUR",
  }).format(cents / 100);
  button.textContent = cents > 0 ? button.dataset.payLabel.replace("__AMOUNT__", amount) : button.dataset.emptyLabel;
}

document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-pay-total]");
  if (form) updatePayTotal(form);
});

window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-pay-total]").forEach(updatePayTotal);
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
