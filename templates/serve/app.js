// cip serve: the page's only script (no framework, no build step).
// 1. The plan editor: the form is sent to /edit/check as the user types;
//    the findings that come back are shown next to the field they concern
//    (data-slot = cip check's field path), the rest above the form.
// 2. The portfolio's drop zone: a PDF dropped on it is submitted.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";

  function item(f, withPath) {
    var li = document.createElement("li");
    li.className = f.severity;
    var b = document.createElement("strong");
    b.textContent = f.severity + "[" + f.rule + "]";
    li.appendChild(b);
    if (withPath) {
      li.appendChild(document.createTextNode(" "));
      var c = document.createElement("code");
      c.textContent = f.path;
      li.appendChild(c);
      li.appendChild(document.createTextNode(":"));
    }
    li.appendChild(document.createTextNode(" " + f.message + " "));
    var h = document.createElement("span");
    h.className = "hint";
    h.textContent = "help: " + f.hint;
    li.appendChild(h);
    return li;
  }

  function show(result) {
    var slots = document.querySelectorAll("ul.slot");
    for (var i = 0; i < slots.length; i++) slots[i].textContent = "";
    Object.keys(result.slots || {}).forEach(function (key) {
      var ul = document.querySelector('ul.slot[data-slot="' + CSS.escape(key) + '"]');
      (result.slots[key] || []).forEach(function (f) {
        (ul || document.getElementById("general")).appendChild(item(f, !ul));
      });
    });
    (result.general || []).forEach(function (f) {
      document.getElementById("general").appendChild(item(f, true));
    });
    var err = document.getElementById("load-error");
    var sum = document.getElementById("summary");
    if (result.error) {
      err.hidden = false;
      err.textContent = result.error;
      sum.textContent = "The plan cannot be read:";
    } else {
      err.hidden = true;
      sum.textContent = "cip check: " + result.errors + " error(s), " + result.warnings + " warning(s)";
    }
  }

  var form = document.getElementById("plan");
  if (form && form.dataset.check) {
    var timer = null, seq = 0;
    var check = function () {
      var mine = ++seq;
      var body = new URLSearchParams(new FormData(form));
      fetch(form.dataset.check, {
        method: "POST",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        body: body,
        credentials: "same-origin"
      }).then(function (r) {
        return r.ok ? r.json() : r.text().then(function (t) { throw new Error(t); });
      }).then(function (result) {
        if (mine === seq) show(result); // an older answer never replaces a newer one
      }).catch(function () {
        document.getElementById("summary").textContent = "Live check unavailable; save to see the findings.";
      });
    };
    var soon = function () {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    };
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
  }

  var drop = document.getElementById("drop");
  if (drop) {
    var input = drop.querySelector('input[type="file"]');
    ["dragenter", "dragover"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      drop.addEventListener(ev, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        drop.submit();
      }
    });
  }
})();
