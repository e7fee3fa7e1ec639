// kiennghi — small progressive enhancements; every page works without them.
"use strict";

function fold(text) {
  // Accent-insensitive matching, as the server's search does.
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

function csrfToken() {
  return document.body.dataset.csrf || "";
}

// "Chọn tất cả": a checkbox that ticks every item box of its form, and a live count.
function initSelectAll() {
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    const form = all.form || document.getElementById(all.dataset.selectAll);
    if (!form) return;
    // The item boxes may stand outside the form (attribute form="…"): form.elements has them all.
    const boxes = function () {
      return Array.from(form.elements).filter(function (e) { return e.type === "checkbox" && e.name === "codes"; });
    };
    const counter = form.querySelector("[data-selected-count]");
    const update = function () {
      const n = boxes().filter(function (b) { return b.checked; }).length;
      if (counter) counter.textContent = String(n);
      form.querySelectorAll("[data-needs-selection]").forEach(function (b) { b.disabled = n === 0; });
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes().forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
}

// A search box over a <select>: typing (with or without diacritics) keeps the matching options.
function initFilterSelects() {
  document.querySelectorAll("[data-filter-select]").forEach(function (input) {
    const select = document.getElementById(input.dataset.filterSelect);
    if (!select) return;
    input.addEventListener("input", function () {
      const q = fold(input.value.trim());
      let first = null;
      Array.from(select.options).forEach(function (o) {
        const hit = !q || fold(o.textContent + " " + o.value).includes(q);
        o.hidden = !hit;
        if (hit && !first && o.value) first = o;
      });
      if (first) select.value = first.value;
    });
  });
}

// Forms that ask before they act (activate a model, close an item, return it).
function initConfirms() {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });
}

// Review queue keys: j/k next/previous item, c confirm it, o pick another body, x select it.
function initReviewKeys() {
  const items = Array.from(document.querySelectorAll("[data-review-item]"));
  if (!items.length) return;
  let current = 0;
  const focus = function (i) {
    items[current].classList.remove("current");
    current = Math.max(0, Math.min(items.length - 1, i));
    items[current].classList.add("current");
    items[current].scrollIntoView({ block: "nearest" });
  };
  items[0].classList.add("current");
  items.forEach(function (item, i) { item.addEventListener("click", function () { focus(i); }); });
  document.addEventListener("keydown", function (e) {
    const tag = (e.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || e.ctrlKey || e.metaKey || e.altKey) return;
    const item = items[current];
    if (e.key === "j") { focus(current + 1); e.preventDefault(); }
    else if (e.key === "k") { focus(current - 1); e.preventDefault(); }
    else if (e.key === "c") {
      const button = item.querySelector("[data-confirm-one]");
      if (button) { button.click(); e.preventDefault(); }
    } else if (e.key === "o") {
      const field = item.querySelector("[data-filter-select]");
      if (field) { field.focus(); e.preventDefault(); }
    } else if (e.key === "x") {
      const box = item.querySelector("input[name=codes]");
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); e.preventDefault(); }
    }
  });
}

// Upload with a progress bar: the file is sent with XHR and the server's report page replaces this one.
function initUploads() {
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      e.preventDefault();
      const bar = form.querySelector(".progress > span");
      const label = form.querySelector("[data-progress-label]");
      const box = form.querySelector(".progress");
      if (box) box.hidden = false;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        const pct = Math.round((ev.loaded / ev.total) * 100);
        if (bar) bar.style.width = pct + "%";
        if (label) label.textContent = pct < 100 ? "Đang gửi tệp: " + pct + "%" : "Đã gửi tệp; đang phân loại và lưu từng dòng…";
      });
      xhr.addEventListener("load", function () {
        history.replaceState(null, "", xhr.responseURL || form.action);
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (label) label.textContent = "Mất kết nối tới máy chủ; tệp chưa được lưu. Hãy thử lại.";
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      });
      xhr.send(new FormData(form));
    });
  });
}

// A background job (retraining): poll its JSON until it ends, then reload the page.
function initPolling() {
  document.querySelectorAll("[data-poll]").forEach(function (box) {
    const bar = box.querySelector(".progress > span");
    const label = box.querySelector("[data-progress-label]");
    const tick = function () {
      fetch(box.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar && typeof job.percent === "number") bar.style.width = job.percent + "%";
          if (label && job.message) label.textContent = job.message;
          if (job.finished) { window.location.reload(); } else { window.setTimeout(tick, 2000); }
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    };
    window.setTimeout(tick, 1000);
  });
}

document.addEventListener("DOMContentLoaded", function () {
  initSelectAll();
  initFilterSelects();
  initConfirms();
  initReviewKeys();
  initUploads();
  initPolling();
});
