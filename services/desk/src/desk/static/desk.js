// The desk's few behaviours: the scan field keeps the focus after each scan (a handheld scanner
// types the barcode and Enter), and a patron's notes pop up when the account opens.
document.addEventListener("DOMContentLoaded", function () {
  var notes = document.getElementById("notes-lecteur");
  if (notes && notes.showModal) {
    notes.showModal();
    notes.addEventListener("close", focusScan);
  }
});

function focusScan() {
  var field = document.querySelector("form.scan input[name=item_barcode]");
  // Blur first: after a mouse click that closed the notes dialog, focus() alone leaves Chromium's
  // keyboard input nowhere (keydown reaches the field, no character does).
  if (field) {
    if (document.activeElement) { document.activeElement.blur(); }
    field.focus();
  }
}

document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (form && form.matches && form.matches("form.scan")) {
    var field = form.querySelector("input[name=item_barcode]");
    if (field) { field.value = ""; field.focus(); }
  }
});

// An override answered (its form replaced by the answer): back to the item field.
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail.target && event.detail.target.id === "resultat-pret") { focusScan(); }
});
